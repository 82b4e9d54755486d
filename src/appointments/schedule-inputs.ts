import { Injectable } from '@nestjs/common';
import type { BlackoutSpan } from '../blackouts/blackout.types';
import { BlackoutsService } from '../blackouts/blackouts.service';
import { overridesByDate } from '../common/schedules/schedule.types';
import type { MemberSchedule } from '../team-members/team-member.types';
import { TeamMembersService } from '../team-members/team-members.service';
import type { Blackout, HostSchedule, ScheduleRules } from './availability/schedule';

/**
 * Loads what the slot rules need beyond the type itself: the own hours of the hosts involved and the
 * blackouts that touch the type or those hosts in a time range. Reads only; nothing here changes an
 * appointment.
 */
@Injectable()
export class ScheduleInputs {
  constructor(
    private readonly teamMembers: TeamMembersService,
    private readonly blackouts: BlackoutsService,
  ) {}

  /** `[from, to)` must hold every candidate core that will be asked about. */
  async load(scope: {
    typeId: number;
    hostIds: number[];
    from: number;
    to: number;
  }): Promise<Required<ScheduleRules>> {
    const members = await this.teamMembers.schedules(scope.hostIds);
    const spans = await this.blackouts.overlapping({
      from: scope.from,
      to: scope.to,
      typeIds: [scope.typeId],
      hostIds: scope.hostIds,
    });
    return { hostSchedules: toHostSchedules(members), blackouts: spans.map(toEngineBlackout) };
  }
}

export function toHostSchedules(members: readonly MemberSchedule[]): Record<number, HostSchedule> {
  return Object.fromEntries(
    members.map((member) => [
      member.id,
      {
        timezone: member.timezone,
        availability: member.availability,
        dateOverrides: overridesByDate(member.date_overrides),
      },
    ]),
  );
}

/** Site and type blackouts close the type; a member's makes that host busy. */
export function toEngineBlackout(span: BlackoutSpan): Blackout {
  return { start: span.start, end: span.end, hostId: span.team_member_id };
}
