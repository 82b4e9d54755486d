import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../common/events/domain-event';
import { OnDomainEvent } from '../../common/events/on-domain-event';
import { TeamMemberDeletedEvent } from '../../team-members/events/team-member-deleted.event';
import type { TeamMemberEventPayload } from '../../team-members/events/team-member-snapshot';
import { AppointmentTypesService } from '../appointment-types.service';

@Injectable()
export class TeamMemberDeletedListener {
  constructor(private readonly appointmentTypes: AppointmentTypesService) {}

  /** A deleted member no longer hosts any appointment type. */
  @OnDomainEvent(TeamMemberDeletedEvent.eventName)
  async onTeamMemberDeleted(event: StoredEvent<TeamMemberEventPayload>): Promise<void> {
    await this.appointmentTypes.removeTeamMember(event.payload.team_member.id);
  }
}
