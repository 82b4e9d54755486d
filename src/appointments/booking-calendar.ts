import { Injectable } from '@nestjs/common';
import { Brackets, EntityManager } from 'typeorm';
import type { BusyAppointment } from './availability/slot-engine';
import { MINUTE_MS } from './availability/wall-clock';
import { AppointmentEntity } from './appointment.entity';

export const ACTIVE_STATUSES = ['booked', 'pending_payment', 'pending_form'] as const;

/**
 * Buffers are at most a day (validated on types): the widest margin another type's appointment can need
 * around a slot (see loadMarginMs).
 */
export const LONGEST_BUFFER_MINUTES = 1440;

/** Durations are at most a day (validated on types), so no appointment starts earlier than this before it ends. */
const LONGEST_APPOINTMENT_MS = 1440 * MINUTE_MS;

/**
 * Loads the active appointments that compete with a type in a time range: those of the type itself (its
 * own resource and its daily cap) and those of its hosts on any type. Both sides of the range bound the
 * indexed `start_at`, so the query stays a short index range however long the history grows.
 */
@Injectable()
export class BookingCalendar {
  async busy(
    manager: EntityManager,
    scope: { typeId: number; hostIds: number[]; from: number; to: number },
  ): Promise<BusyAppointment[]> {
    const params = {
      typeId: scope.typeId,
      hostIds: scope.hostIds,
      from: scope.from,
      to: scope.to,
      earliest: scope.from - LONGEST_APPOINTMENT_MS,
      active: ACTIVE_STATUSES,
    };
    const query = manager
      .createQueryBuilder(AppointmentEntity, 'a')
      .select([
        'a.id',
        'a.appointment_type_id',
        'a.start_at',
        'a.end_at',
        'a.buffer_before',
        'a.buffer_after',
        'a.team_member_ids',
      ])
      .where('a.status IN (:...active)')
      .andWhere('a.start_at < :to AND a.start_at > :earliest AND a.end_at > :from')
      .andWhere(
        new Brackets((where) => {
          where.where('a.appointment_type_id = :typeId');
          if (scope.hostIds.length > 0) {
            where.orWhere(
              'a.id IN (SELECT h.appointment_id FROM appointment_hosts h ' +
                'WHERE h.team_member_id IN (:...hostIds) AND h.start_at < :to AND h.start_at > :earliest)',
            );
          }
        }),
      )
      .setParameters(params);
    const rows = await query.getMany();
    return rows.map((row) => ({
      id: row.id,
      typeId: row.appointment_type_id,
      start: row.start_at,
      end: row.end_at,
      bufferBefore: row.buffer_before,
      bufferAfter: row.buffer_after,
      hostIds: row.team_member_ids,
    }));
  }
}
