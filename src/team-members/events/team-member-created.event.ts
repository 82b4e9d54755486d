import { DomainEvent } from '../../common/events/domain-event';
import type { TeamMemberEventPayload } from './team-member-snapshot';

export class TeamMemberCreatedEvent extends DomainEvent<TeamMemberEventPayload> {
  static readonly eventName = 'team_member.created';
  readonly name = TeamMemberCreatedEvent.eventName;
}
