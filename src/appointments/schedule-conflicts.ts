import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import type { AppointmentTypeDto } from '../appointment-types/dto/appointment-type.dto';
import { BlackoutsService } from '../blackouts/blackouts.service';
import { Page, page, PageQueryDto } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { TeamMembersService } from '../team-members/team-members.service';
import { AppointmentEntity } from './appointment.entity';
import { toAppointmentDto, toSlotRules } from './appointment.mapper';
import { scheduleConflict } from './availability/slot-engine';
import { ACTIVE_STATUSES } from './booking-calendar';
import type { AppointmentDto } from './dto/appointment.dto';
import { toEngineBlackout, toHostSchedules } from './schedule-inputs';

/** Appointments read per step: each step is one bounded query per input (hours, blackouts). */
const CHUNK = 500;

/**
 * `GET /api/v1/appointments?conflicts=true`: the active future appointments that their schedule no longer
 * admits. Schedules are not in SQL, so the filtered rows are walked in start order, a chunk at a time (a
 * keyset, not an offset), each chunk judged by the slot engine with the hours and blackouts of its own
 * span; only the requested page is kept. The walk covers future appointments only, which the booking
 * horizon keeps finite.
 */
@Injectable()
export class ScheduleConflicts {
  constructor(
    @InjectRepository(AppointmentEntity) private readonly appointments: Repository<AppointmentEntity>,
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly teamMembers: TeamMembersService,
    private readonly blackouts: BlackoutsService,
    private readonly config: AppConfig,
  ) {}

  /** `filtered` selects `a` with the list's other filters applied. */
  async page(
    filtered: SelectQueryBuilder<AppointmentEntity>,
    query: PageQueryDto,
  ): Promise<Page<AppointmentDto>> {
    const manager = this.appointments.manager;
    const now = Date.now();
    const types = new Map<number, AppointmentTypeDto | null>();
    const data: AppointmentDto[] = [];
    let total = 0;
    let after: { start: number; id: number } | null = null;
    for (;;) {
      const chunkQuery = filtered
        .clone()
        .andWhere('a.status IN (:...conflictStatuses)', { conflictStatuses: ACTIVE_STATUSES })
        .andWhere('a.start_at > :conflictNow', { conflictNow: now });
      if (after) {
        chunkQuery.andWhere('(a.start_at > :afterStart OR (a.start_at = :afterStart AND a.id > :afterId))', {
          afterStart: after.start,
          afterId: after.id,
        });
      }
      const rows = await chunkQuery
        .orderBy('a.start_at', 'ASC')
        .addOrderBy('a.id', 'ASC')
        .take(CHUNK)
        .getMany();
      if (rows.length === 0) break;
      const last = rows[rows.length - 1];
      after = { start: last.start_at, id: last.id };

      const hostIds = [...new Set(rows.flatMap((row) => row.team_member_ids))];
      const hostSchedules = toHostSchedules(await this.teamMembers.schedules(manager, hostIds));
      const spans = await this.blackouts.overlapping(manager, {
        from: rows[0].start_at,
        to: Math.max(...rows.map((row) => row.end_at)),
      });
      for (const row of rows) {
        if (!types.has(row.appointment_type_id)) {
          types.set(
            row.appointment_type_id,
            await this.appointmentTypes.findIn(manager, row.appointment_type_id),
          );
        }
        const type = types.get(row.appointment_type_id);
        if (!type) continue;
        const blackouts = spans
          .filter(
            (span) =>
              span.start < row.end_at &&
              span.end > row.start_at &&
              (span.team_member_id === null
                ? span.appointment_type_id === null || span.appointment_type_id === type.id
                : row.team_member_ids.includes(span.team_member_id)),
          )
          .map(toEngineBlackout);
        const rules = toSlotRules(type, row.team_member_ids, { hostSchedules, blackouts });
        const conflict = scheduleConflict(rules, {
          start: row.start_at,
          end: row.end_at,
          hostIds: row.team_member_ids,
        });
        if (conflict === null) continue;
        if (total >= query.offset && data.length < query.limit) {
          data.push({ ...toAppointmentDto(row, this.config.siteUrl), schedule_conflict: conflict });
        }
        total += 1;
      }
      if (rows.length < CHUNK) break;
    }
    return page(data, total, query);
  }
}
