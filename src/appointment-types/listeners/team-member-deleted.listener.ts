import { Injectable } from '@nestjs/common';
import { Committed, OnDomainEvent } from '../../common/events/on-domain-event';
import { TeamMemberDeletedEvent } from '../../team-members/events/team-member-deleted.event';
import { AppointmentTypesService } from '../appointment-types.service';

@Injectable()
export class TeamMemberDeletedListener {
  constructor(private readonly appointmentTypes: AppointmentTypesService) {}

  /** A deleted member no longer hosts any appointment type. */
  @OnDomainEvent(TeamMemberDeletedEvent)
  async onTeamMemberDeleted(event: Committed<TeamMemberDeletedEvent>): Promise<void> {
    await this.appointmentTypes.removeTeamMember(event.payload.team_member.id);
  }
}
