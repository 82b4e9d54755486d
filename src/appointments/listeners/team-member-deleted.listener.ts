import { Injectable } from '@nestjs/common';
import { Committed, OnDomainEvent } from '../../common/events/on-domain-event';
import { TeamMemberDeletedEvent } from '../../team-members/events/team-member-deleted.event';
import { toTeamMemberSnapshot } from '../../team-members/team-member.types';
import { AppointmentsService } from '../appointments.service';

@Injectable()
export class TeamMemberDeletedListener {
  constructor(private readonly appointments: AppointmentsService) {}

  /** A deleted member no longer hosts future appointments (each of them is then announced as edited). */
  @OnDomainEvent(TeamMemberDeletedEvent)
  async onTeamMemberDeleted(event: Committed<TeamMemberDeletedEvent>): Promise<void> {
    await this.appointments.removeHostFromFuture(toTeamMemberSnapshot(event.payload.team_member));
  }
}
