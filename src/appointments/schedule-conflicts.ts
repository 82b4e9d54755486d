import { Injectable } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import type { AppointmentTypeDto } from '../appointment-types/dto/appointment-type.dto';
import type { BlackoutSpan } from '../blackouts/blackout.types';
import { BlackoutsService } from '../blackouts/blackouts.service';
import { Page, page } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { TeamMembersService } from '../team-members/team-members.service';
import { toAppointmentDto, toSlotRules } from './appointment.mapper';
import { type ScheduleConflict, scheduleConflict } from './availability/slot-engine';
import type { AppointmentEntity } from './appointment.entity';
import { AppointmentsRepository } from './appointments.repository';
import type { AppointmentDto } from './dto/appointment.dto';
import type { ListAppointmentsQuery } from './dto/list-appointments.query';
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
    private readonly appointments: AppointmentsRepository,
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly teamMembers: TeamMembersService,
    private readonly blackouts: BlackoutsService,
    private readonly config: AppConfig,
  ) {}

  /** The page of conflicting appointments among those the list's other filters select. */
  async page(query: ListAppointmentsQuery): Promise<Page<AppointmentDto>> {
    const types = new Map<number, AppointmentTypeDto | null>();
    const data: AppointmentDto[] = [];
    let total = 0;
    for await (const rows of this.futureActive(query)) {
      for (const { row, conflict } of await this.judge(rows, types)) {
        if (total >= query.offset && data.length < query.limit) {
          data.push({ ...toAppointmentDto(row, this.config.siteUrl), schedule_conflict: conflict });
        }
        total += 1;
      }
    }
    return page(data, total, query);
  }

  /** The active future appointments the filters select, in start order, a chunk at a time (keyset). */
  private async *futureActive(query: ListAppointmentsQuery): AsyncGenerator<AppointmentEntity[]> {
    const now = Date.now();
    let after: { start: number; id: number } | null = null;
    for (;;) {
      const rows = await this.appointments.activeAfter(query, { now, after, limit: CHUNK });
      if (rows.length > 0) yield rows;
      if (rows.length < CHUNK) return;
      after = { start: rows[rows.length - 1].start_at, id: rows[rows.length - 1].id };
      // SQLite reads synchronously: let other requests run between chunks.
      await yieldToEventLoop();
    }
  }

  /** The rows of one chunk that their schedule no longer admits, with why; `types` caches the types read. */
  private async judge(
    rows: AppointmentEntity[],
    types: Map<number, AppointmentTypeDto | null>,
  ): Promise<{ row: AppointmentEntity; conflict: ScheduleConflict }[]> {
    const hostIds = [...new Set(rows.flatMap((row) => row.team_member_ids))];
    const hostSchedules = toHostSchedules(await this.teamMembers.schedules(hostIds));
    const spans = await this.blackouts.overlapping({
      from: rows[0].start_at,
      to: Math.max(...rows.map((row) => row.end_at)),
    });
    const judged: { row: AppointmentEntity; conflict: ScheduleConflict }[] = [];
    for (const row of rows) {
      if (!types.has(row.appointment_type_id)) {
        types.set(row.appointment_type_id, await this.appointmentTypes.findById(row.appointment_type_id));
      }
      const type = types.get(row.appointment_type_id);
      if (!type) continue;
      const blackouts = spans.filter((span) => concerns(span, row, type.id)).map(toEngineBlackout);
      const rules = toSlotRules(type, row.team_member_ids, { hostSchedules, blackouts });
      const conflict = scheduleConflict(rules, {
        start: row.start_at,
        end: row.end_at,
        hostIds: row.team_member_ids,
      });
      if (conflict !== null) judged.push({ row, conflict });
    }
    return judged;
  }
}

/** Whether a blackout overlaps the appointment and applies to it: site-wide, its type's, or one of its hosts'. */
function concerns(span: BlackoutSpan, row: AppointmentEntity, typeId: number): boolean {
  if (span.start >= row.end_at || span.end <= row.start_at) return false;
  return span.team_member_id === null
    ? span.appointment_type_id === null || span.appointment_type_id === typeId
    : row.team_member_ids.includes(span.team_member_id);
}
