import { Injectable } from '@nestjs/common';
import { In, MoreThan, SelectQueryBuilder } from 'typeorm';
import { Transactions } from '../database/transactions';
import type { BusyAppointment } from './availability/slot-engine';
import { BusyCache } from './busy-cache';
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
  /**
   * The slot with its own buffers, `[from, to)`: only the appointments whose time with their buffers reaches
   * it (a superset of those that conflict with it) are wanted. Left out when whole days count (a daily cap,
   * a choice between hosts).
   */
  reach?: { from: number; to: number };
}

/**
 * The appointments and appointment_hosts tables' queries. Each runs in the caller's transaction when
 * there is one (see `Transactions.manager`), so no caller hands a transaction in.
 */
@Injectable()
export class AppointmentsRepository {
  /** Every write below tells it (see `changing`). */
  private readonly busyCache = new BusyCache();

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
   * PostgreSQL: the id the next appointment will have, drawn from its sequence before the booking's locks, so
   * that `insert` need not wait for an answer while they are held. Null on SQLite, where the insert returns it.
   */
  async reserveId(): Promise<number | null> {
    if (!this.transactions.isPostgres) return null;
    const [row] = await this.transactions.sql<{ id: string }>(RESERVE_ID);
    return Number(row.id);
  }

  /**
   * Inserts, by a prepared statement (every booking inserts one), and returns the new id: the reserved one,
   * whose insert is then not waited for (see Transactions.write), or the one the database gives.
   */
  async insert(appointment: AppointmentEntity, reservedId: number | null): Promise<number> {
    this.changing();
    const a = appointment;
    const values = [
      a.appointment_type_id,
      a.customer_id,
      JSON.stringify(a.customer_information),
      a.customer_timezone,
      a.start_at,
      a.end_at,
      a.buffer_before,
      a.buffer_after,
      a.status,
      JSON.stringify(a.team_member_ids),
      a.price_full,
      a.payment_method,
      a.payment_received,
      a.web_meeting_url,
      a.web_meeting_password,
      a.announced_booked,
      a.token,
      a.date_created,
      a.date_modified,
      a.sequence ?? 0,
    ];
    if (reservedId !== null) {
      await this.transactions.write(INSERT_APPOINTMENT_WITH_ID, [...values, reservedId]);
      return reservedId;
    }
    const [row] = await this.transactions.sql<{ id: number }>(INSERT_APPOINTMENT, values);
    return Number(row.id);
  }

  async save(appointment: AppointmentEntity): Promise<void> {
    this.changing();
    await this.manager.save(appointment);
  }

  /** Writes the appointment's host rows (an index of who hosts what, when); `replace` drops the old ones. */
  async writeHosts(appointment: AppointmentEntity, options: { replace: boolean }): Promise<void> {
    this.changing();
    if (options.replace) await this.manager.delete(AppointmentHostEntity, { appointment_id: appointment.id });
    for (const memberId of appointment.team_member_ids) {
      await this.transactions.write(
        'INSERT INTO appointment_hosts (appointment_id, team_member_id, start_at) VALUES ($1, $2, $3)',
        [appointment.id, memberId, appointment.start_at],
      );
    }
  }

  async deleteHost(appointmentId: number, teamMemberId: number): Promise<void> {
    this.changing();
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
    // Without a reach, one that filters nothing: the same statement serves both.
    const reach = scope.reach ?? { from: -Number.MAX_SAFE_INTEGER, to: Number.MAX_SAFE_INTEGER };
    const params = [
      scope.to,
      scope.from - LONGEST_APPOINTMENT_MS,
      scope.from,
      reach.to,
      reach.from,
      scope.typeId,
    ];
    // Two index ranges rather than one OR: SQLite answered the OR by merging both ranges' row ids before
    // reading any row (a third slower). The hosts' half skips the type's own appointments, which the first
    // half has; an appointment with several of these hosts comes once per host and is kept once below.
    const rows =
      scope.hostIds.length === 0
        ? await this.transactions.sql<BusyRow>(BUSY_OF_TYPE, params)
        : await this.transactions.sql<BusyRow>(
            `${BUSY_OF_TYPE} UNION ALL ${BUSY_OF_HOSTS} AND ${this.transactions.inList('h.team_member_id', '$7')}`,
            [...params, scope.hostIds],
          );
    return toBusy(rows, scope.typeId);
  }

  /**
   * {@link busy} as of the last committed change, from memory while nothing has changed since (see BusyCache):
   * for availability, which shows what can be booked. A booking's own check reads `busy` under its lock.
   */
  cachedBusy(scope: BusyScope): Promise<readonly BusyAppointment[]> {
    return this.busyCache.read(scope, this.transactions.foreignCommits(), () => this.busy(scope));
  }

  /** A write to the appointments begins: cached busy lists are stale from now until its transaction settles. */
  private changing(): void {
    const settled = this.busyCache.writing();
    try {
      this.transactions.afterSettled(settled);
    } catch (error) {
      // No transaction to wait for (a programming error, refused): the change must not stay open for good.
      settled();
      throw error;
    }
  }
}

/** The rows as the engine takes them; an appointment of another type that came once per host is kept once. */
function toBusy(rows: BusyRow[], typeId: number): BusyAppointment[] {
  const busy: BusyAppointment[] = [];
  const otherTypes = new Set<number>();
  // Host lists repeat ("[3]"): each distinct text is parsed once and its array shared (read only).
  const hostLists = new Map<string, number[]>();
  for (const row of rows) {
    // PostgreSQL answers bigint as strings; team_member_ids is TypeORM's simple-json (JSON text).
    const id = Number(row.id);
    const rowType = Number(row.appointment_type_id);
    if (rowType !== typeId) {
      if (otherTypes.has(id)) continue;
      otherTypes.add(id);
    }
    busy.push({
      id,
      typeId: rowType,
      start: Number(row.start_at),
      end: Number(row.end_at),
      bufferBefore: Number(row.buffer_before),
      bufferAfter: Number(row.buffer_after),
      hostIds: hostList(hostLists, row.team_member_ids),
    });
  }
  return busy;
}

function hostList(parsed: Map<string, number[]>, json: string): number[] {
  let ids = parsed.get(json);
  if (ids === undefined) {
    ids = JSON.parse(json) as number[];
    parsed.set(json, ids);
  }
  return ids;
}

const APPOINTMENT_COLUMNS =
  'appointment_type_id, customer_id, customer_information, customer_timezone, start_at, end_at, ' +
  'buffer_before, buffer_after, status, team_member_ids, price_full, payment_method, payment_received, ' +
  'web_meeting_url, web_meeting_password, announced_booked, token, date_created, date_modified, sequence';

const APPOINTMENT_VALUES =
  '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20';

const INSERT_APPOINTMENT = `INSERT INTO appointments (${APPOINTMENT_COLUMNS}) VALUES (${APPOINTMENT_VALUES}) RETURNING id`;

const INSERT_APPOINTMENT_WITH_ID = `INSERT INTO appointments (${APPOINTMENT_COLUMNS}, id) VALUES (${APPOINTMENT_VALUES}, $21)`;

const RESERVE_ID = "SELECT nextval(pg_get_serial_sequence('appointments', 'id')) AS id";

const BUSY_COLUMNS =
  'a.id, a.appointment_type_id, a.start_at, a.end_at, a.buffer_before, a.buffer_after, a.team_member_ids';

/**
 * Active appointments in the range ($1 end, $2 earliest start, $3 start) whose time with buffers reaches
 * the slot's reach ($4 end, $5 start, both inclusive: a superset).
 */
const BUSY_LIVE =
  `a.status IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')}) ` +
  'AND a.start_at < $1 AND a.start_at > $2 AND a.end_at > $3 ' +
  'AND a.start_at - a.buffer_before * 60000 <= $4 AND a.end_at + a.buffer_after * 60000 >= $5';

/** Those of the type $6 itself. */
const BUSY_OF_TYPE = `SELECT ${BUSY_COLUMNS} FROM appointments a WHERE a.appointment_type_id = $6 AND ${BUSY_LIVE}`;

/** Those of other types held by some hosts (the caller adds which); the host rows' own start bounds the range. */
const BUSY_OF_HOSTS =
  `SELECT ${BUSY_COLUMNS} FROM appointment_hosts h JOIN appointments a ON a.id = h.appointment_id ` +
  `WHERE a.appointment_type_id <> $6 AND h.start_at < $1 AND h.start_at > $2 AND ${BUSY_LIVE}`;

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
