import { Injectable } from '@nestjs/common';
import { In, MoreThan, SelectQueryBuilder } from 'typeorm';
import { Transactions } from '../database/transactions';
import type { BusyAppointment } from './availability/slot-engine';
import { MINUTE_MS } from './availability/wall-clock';
import { AppointmentEntity, AppointmentHostEntity } from './appointment.entity';
import { ListAppointmentsQuery } from './dto/list-appointments.query';
import type { AppointmentStatus } from './events/appointment-snapshot';

export const ACTIVE_STATUSES = ['booked', 'pending_payment', 'pending_form'] as const;

export const isActive = (status: AppointmentStatus): boolean =>
  (ACTIVE_STATUSES as readonly string[]).includes(status);

/**
 * Buffers are at most a day (validated on types): the widest margin another type's appointment can need
 * around a slot (see loadMarginMs).
 */
export const LONGEST_BUFFER_MINUTES = 1440;

/** Durations are at most a day (validated on types), so no appointment starts earlier than this before it ends. */
const LONGEST_APPOINTMENT_MS = 1440 * MINUTE_MS;

/** The time range and the calendars (a type's own, its hosts') whose active appointments compete for a slot. */
export interface BusyScope {
  typeId: number;
  hostIds: number[];
  from: number;
  to: number;
}

/**
 * The appointments and appointment_hosts tables' queries. Each runs in the caller's transaction when
 * there is one (see `Transactions.manager`), so no caller hands a transaction in.
 */
@Injectable()
export class AppointmentsRepository {
  constructor(private readonly transactions: Transactions) {}

  private get manager() {
    return this.transactions.manager;
  }

  page(query: ListAppointmentsQuery): Promise<[AppointmentEntity[], number]> {
    return this.filtered(query)
      .orderBy('a.start_at', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .take(query.limit)
      .skip(query.offset)
      .getManyAndCount();
  }

  /** The appointments (`a`) that the list's filters other than `conflicts` select. */
  filtered(query: ListAppointmentsQuery): SelectQueryBuilder<AppointmentEntity> {
    const qb = this.manager.createQueryBuilder(AppointmentEntity, 'a');
    if (query.status) qb.andWhere('a.status = :status', { status: query.status });
    if (query.appointment_type_id)
      qb.andWhere('a.appointment_type_id = :typeId', { typeId: query.appointment_type_id });
    if (query.customer_id) qb.andWhere('a.customer_id = :customerId', { customerId: query.customer_id });
    if (query.start_after) qb.andWhere('a.start_at >= :after', { after: Date.parse(query.start_after) });
    if (query.start_before) qb.andWhere('a.start_at < :before', { before: Date.parse(query.start_before) });
    if (query.team_member_id) {
      qb.andWhere(
        'a.id IN (SELECT h.appointment_id FROM appointment_hosts h WHERE h.team_member_id = :memberId)',
        { memberId: query.team_member_id },
      );
    }
    return qb;
  }

  /**
   * The next `limit` active appointments the filters select that start after `now`, in (start, id) order
   * from the keyset `after` on: a walk over them reads each row once, whatever the offset.
   */
  activeAfter(
    query: ListAppointmentsQuery,
    walk: { now: number; after: { start: number; id: number } | null; limit: number },
  ): Promise<AppointmentEntity[]> {
    const qb = this.filtered(query)
      .andWhere('a.status IN (:...activeStatuses)', { activeStatuses: ACTIVE_STATUSES })
      .andWhere('a.start_at > :now', { now: walk.now });
    if (walk.after) {
      qb.andWhere('(a.start_at > :afterStart OR (a.start_at = :afterStart AND a.id > :afterId))', {
        afterStart: walk.after.start,
        afterId: walk.after.id,
      });
    }
    return qb.orderBy('a.start_at', 'ASC').addOrderBy('a.id', 'ASC').take(walk.limit).getMany();
  }

  findById(id: number): Promise<AppointmentEntity | null> {
    return this.manager.findOneBy(AppointmentEntity, { id });
  }

  findByToken(token: string): Promise<AppointmentEntity | null> {
    return this.manager.findOneBy(AppointmentEntity, { token });
  }

  /** The active appointments among `ids`, ordered by id. */
  findActive(ids: number[]): Promise<AppointmentEntity[]> {
    return this.manager.find(AppointmentEntity, {
      where: { id: In(ids), status: In([...ACTIVE_STATUSES]) },
      order: { id: 'ASC' },
    });
  }

  /** The ids of the appointments a team member hosts that start after `after`. */
  async hostedAfter(teamMemberId: number, after: number): Promise<number[]> {
    const rows = await this.manager.find(AppointmentHostEntity, {
      where: { team_member_id: teamMemberId, start_at: MoreThan(after) },
    });
    return rows.map((row) => row.appointment_id);
  }

  create(fields: Omit<AppointmentEntity, 'id' | 'sequence'>): AppointmentEntity {
    return this.manager.create(AppointmentEntity, fields);
  }

  /**
   * Inserts and returns the new id. Not `save`: save first looks the row up, a query the hot path does not
   * need. A copy, because insert merges the raw RETURNING values (PostgreSQL numerics as strings) into what
   * it is given.
   */
  async insert(appointment: AppointmentEntity): Promise<number> {
    const inserted = await this.manager.insert(AppointmentEntity, { ...appointment });
    return Number(inserted.identifiers[0].id);
  }

  async save(appointment: AppointmentEntity): Promise<void> {
    await this.manager.save(appointment);
  }

  /** Writes the appointment's host rows (an index of who hosts what, when); `replace` drops the old ones. */
  async writeHosts(appointment: AppointmentEntity, options: { replace: boolean }): Promise<void> {
    if (options.replace) await this.manager.delete(AppointmentHostEntity, { appointment_id: appointment.id });
    if (appointment.team_member_ids.length === 0) return;
    await this.manager.insert(
      AppointmentHostEntity,
      appointment.team_member_ids.map((team_member_id) => ({
        appointment_id: appointment.id,
        team_member_id,
        start_at: appointment.start_at,
      })),
    );
  }

  async deleteHost(appointmentId: number, teamMemberId: number): Promise<void> {
    await this.manager.delete(AppointmentHostEntity, {
      appointment_id: appointmentId,
      team_member_id: teamMemberId,
    });
  }

  /**
   * The active appointments that compete with a type in a time range: those of the type itself (its own
   * resource and its daily cap) and those of its hosts on any type. Both sides of the range bound the
   * indexed `start_at`, so the query stays a short index range however long the history grows.
   *
   * Plain SQL selecting only the engine's columns: a month of a busy type is ten thousand rows, and
   * TypeORM's entity hydration of them cost more than the query itself (issue 12, target 5).
   */
  async busy(scope: BusyScope): Promise<BusyAppointment[]> {
    const manager = this.manager;
    const columns =
      'a.id, a.appointment_type_id, a.start_at, a.end_at, a.buffer_before, a.buffer_after, a.team_member_ids';
    const live =
      'a.start_at < :to AND a.start_at > :earliest AND a.end_at > :from AND a.status IN (:...active)';
    // Two index ranges rather than one OR: SQLite answered the OR by merging both ranges' row ids before
    // reading any row (a third slower). The hosts' half skips the type's own appointments, which the first
    // half has; an appointment with several of these hosts comes once per host and is kept once below.
    let sql = `SELECT ${columns} FROM appointments a WHERE a.appointment_type_id = :typeId AND ${live}`;
    if (scope.hostIds.length > 0) {
      sql +=
        ` UNION ALL SELECT ${columns} FROM appointment_hosts h JOIN appointments a ON a.id = h.appointment_id` +
        ' WHERE h.team_member_id IN (:...hostIds) AND h.start_at < :to AND h.start_at > :earliest' +
        ` AND a.appointment_type_id <> :typeId AND ${live}`;
    }
    const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, {
      ...scope,
      earliest: scope.from - LONGEST_APPOINTMENT_MS,
      active: ACTIVE_STATUSES,
    });
    const rows: BusyRow[] = await manager.query(query, parameters);
    const busy: BusyAppointment[] = [];
    const otherTypes = new Set<number>();
    // Host lists repeat ("[3]"): each distinct text is parsed once and its array shared (read only).
    const hostLists = new Map<string, number[]>();
    for (const row of rows) {
      // PostgreSQL answers bigint as strings; team_member_ids is TypeORM's simple-json (JSON text).
      const id = Number(row.id);
      const typeId = Number(row.appointment_type_id);
      if (typeId !== scope.typeId) {
        if (otherTypes.has(id)) continue;
        otherTypes.add(id);
      }
      busy.push({
        id,
        typeId,
        start: Number(row.start_at),
        end: Number(row.end_at),
        bufferBefore: Number(row.buffer_before),
        bufferAfter: Number(row.buffer_after),
        hostIds: hostList(hostLists, row.team_member_ids),
      });
    }
    return busy;
  }
}

function hostList(parsed: Map<string, number[]>, json: string): number[] {
  let ids = parsed.get(json);
  if (ids === undefined) {
    ids = JSON.parse(json) as number[];
    parsed.set(json, ids);
  }
  return ids;
}

/** A row of {@link AppointmentsRepository.busy}'s query as the drivers answer it. */
interface BusyRow {
  id: number | string;
  appointment_type_id: number | string;
  start_at: number | string;
  end_at: number | string;
  buffer_before: number | string;
  buffer_after: number | string;
  team_member_ids: string;
}
