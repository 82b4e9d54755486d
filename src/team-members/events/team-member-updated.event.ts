import { DomainEvent } from '../../common/events/domain-event';
import type { TeamMemberEventPayload } from './team-member-snapshot';

export class TeamMemberUpdatedEvent extends DomainEvent<TeamMemberEventPayload> {
  static readonly eventName = 'team_member.updated';
  readonly name = TeamMemberUpdatedEvent.eventName;
}
