import { Injectable } from '@nestjs/common';
import { StoredEvent } from '../../common/events/domain-event';
import { OnDomainEvent } from '../../common/events/on-domain-event';
import { TeamMemberDeletedEvent } from '../../team-members/events/team-member-deleted.event';
import { AppointmentsService } from '../appointments.service';

@Injectable()
export class TeamMemberDeletedListener {
  constructor(private readonly appointments: AppointmentsService) {}

  @OnDomainEvent(TeamMemberDeletedEvent.eventName)
  async onTeamMemberDeleted(event: StoredEvent<TeamMemberDeletedEvent['payload']>): Promise<void> {
    const member = event.payload.team_member;
    await this.appointments.removeHostFromFuture({
      id: member.id,
      wp_user_id: member.wp_user_id,
      name: member.name,
      display_name: member.display_name,
      email: member.email,
    });
  }
}
