import { DomainEvent } from '../../common/events/domain-event';
import type { TeamMemberEventPayload } from './team-member-snapshot';

export class TeamMemberDeletedEvent extends DomainEvent<TeamMemberEventPayload> {
  static readonly eventName = 'team_member.deleted';
  readonly name = TeamMemberDeletedEvent.eventName;
}
