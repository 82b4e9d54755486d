import { Injectable } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EntityManager, UpdateResult } from 'typeorm';
import { errorCode, isForeignKeyViolation, isValueRefusal } from '../../database/errors';
import type { SqlValue } from '../../database/prepared-sql';
import { PRUNE_BATCH } from '../../database/prune-walk';
import { Transaction, Transactions } from '../../database/transactions';
import { WebhookDeliveryEntity } from '../webhook-delivery.entity';
import { WebhookEntity } from '../webhook.entity';
import type { SsaBodyTemplate } from '../payload/ssa-payload';
import { fillSharedBodies, type StoredBody } from './shared-bodies';
import type { DeliveryStatus } from '../webhook.types';
import type { WebhookHealthChange } from './health-policy';
import type { AttemptResult, DeliveryDecision } from './retry-policy';

/** A delivery this instance holds the lease of; `lease_until` is also the fencing token for its outcome. */
export interface ClaimedDelivery {
  id: number;
  webhook_id: number;
  status: DeliveryStatus;
  attempt_count: number;
  payload: string;
  /** A test send or redelivery queued by hand: tried once (see `WebhookDeliveryEntity.manual`). */
  manual: boolean;
  delivered_at: number | null;
  lease_until: number;
}

/** What the sender needs to know about a webhook, read once per claimed batch. */
export interface DeliveryTarget {
  id: number;
  url: string;
  enabled: boolean;
  /** The current secret first, then the previous one while it is still valid. */
  secrets: string[];
  failing_since: number | null;
}

export interface DeliveryOutcome {
  delivery: ClaimedDelivery;
  result: AttemptResult;
  decision: DeliveryDecision;
  last_error: string | null;
}

export type NewDelivery = Pick<
  WebhookDeliveryEntity,
  'webhook_id' | 'event_id' | 'action' | 'appointment_id' | 'payload'
>;

/** The event a fan-out writes deliveries for, and what each of its deliveries has of its own. */
export type FanOutEvent = Pick<WebhookDeliveryEntity, 'event_id' | 'action' | 'appointment_id'>;
/** `payload` is stored only when the event has no shared body. */
export type FanOutRow = Pick<WebhookDeliveryEntity, 'webhook_id' | 'payload'>;

/** Rows per INSERT statement of a fan-out on SQLite (8 parameters each, well below its limit). */
const INSERT_ROWS = 100;
const FAN_OUT_COLUMNS = `webhook_id, event_id, action, appointment_id, status, attempt_count, next_attempt_at,
  lease_until, payload, date_created, shared_body`;
/**
 * Leases, released leases and outcomes need not be on disk before the pump goes on (on SQLite: no fsync of
 * their own; the next durable commit carries them): lost to a power failure, a delivery is only sent again,
 * with the same webhook-id, as after any crash. Fan-outs are on disk before a delivery of theirs is sent: a
 * delivery lost with its event's handled mark would be created again under a new id.
 */
const BOOKKEEPING = { durable: false } as const;
/**
 * SQLite: a fan-out of this many deliveries or more commits without syncing and has the WAL synced off the
 * event loop (`Transactions.syncWal`); its deliveries are not claimed until then (see `insertForEvent`).
 * Below it the fan-out's commit syncs as any other, shared with the bookings of its batch.
 */
const WIDE_FAN_OUT = 100;
/** The fence when none is up: every id passes (compared as a bigint: PostgreSQL's ids are integers). */
const NO_FENCE = Number.MAX_SAFE_INTEGER;
/** Outcomes per statement (7 parameters each on SQLite). */
const OUTCOME_ROWS = 200;
const CLAIMED_COLUMNS =
  'id, webhook_id, status, attempt_count, payload, manual, delivered_at, event_id, shared_body';

const RESPONSE_BODY_MAX_CHARS = 4096;

/**
 * The delivery queue's SQL. Kept to a few statements per batch: one claim for many deliveries (one statement
 * on PostgreSQL, the due ids and then their leases on SQLite), one transaction for many outcomes, because
 * every round trip costs throughput (and on SQLite every transaction waits for the one writer).
 */
@Injectable()
export class DeliveriesRepository {
  private readonly postgres: boolean;
  /**
   * SQLite: the first delivery id of each wide fan-out committed and not yet synced to disk. No delivery from
   * the lowest of them on is claimed: sent, then lost to a power failure with its event's handled mark, it
   * would be created again under a new id, a second webhook-id for one message. One entry per fan-out: two
   * may take the same id (one that wrote no row, its deliveries all there already, and the next).
   */
  private readonly unsynced = new Set<{ from: number }>();

  constructor(private readonly transactions: Transactions) {
    this.postgres = transactions.isPostgres;
  }

  /**
   * Inserts the deliveries of one event; those that already exist (a replayed event) are left as they are.
   * With a `template`, the event's body is stored once (kept if a replay finds it there) and each delivery
   * refers to it (`shared_body`); without, each delivery carries its own `payload`. Plain SQL with the same
   * text for every full statement, so that the driver reuses its prepared statement: one `unnest` statement
   * on PostgreSQL, statements of `INSERT_ROWS` rows on SQLite.
   *
   * On SQLite a wide fan-out (`WIDE_FAN_OUT` deliveries or more) is not synced by its commit, which would
   * hold the event loop, and the bookings behind it, for the fsync of its pages: its deliveries stay fenced
   * off from claims (`unsynced`) until `Transactions.syncWal` has synced the WAL on libuv's threads, and
   * this resolves only then, so the event is marked handled only once its deliveries are on disk.
   */
  async insertForEvent(
    event: FanOutEvent,
    template: SsaBodyTemplate | null,
    rows: FanOutRow[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const wide = !this.postgres && rows.length >= WIDE_FAN_OUT;
    let fence: { from: number } | undefined;
    try {
      await this.transactions.run(
        async (tx) => {
          if (wide) {
            // Up before the first row is written: a claim in the same batch must not see them either.
            fence = { from: await this.nextDeliveryId() };
            this.unsynced.add(fence);
          }
          await this.writeFanOut(tx, event, template, rows);
        },
        // Synced below, after which its deliveries may be claimed: the commit itself need not wait.
        wide ? BOOKKEEPING : undefined,
      );
      if (wide) await this.transactions.syncWal();
    } finally {
      if (fence !== undefined) this.unsynced.delete(fence);
    }
  }

  private async writeFanOut(
    { manager }: Transaction,
    event: FanOutEvent,
    template: SsaBodyTemplate | null,
    rows: FanOutRow[],
  ): Promise<void> {
    const now = Date.now();
    const shared = template !== null;
    if (template) {
      await manager.query(
        `INSERT INTO webhook_event_bodies (event_id, head, tail, date_created) VALUES (${this.postgres ? '$1, $2, $3, $4' : '?, ?, ?, ?'})
         ON CONFLICT (event_id) DO NOTHING`,
        [event.event_id, template.head, template.tail, now],
      );
    }
    const payloadOf = (row: FanOutRow) => (shared ? '' : row.payload);
    if (this.postgres) {
      await manager.query(
        `INSERT INTO webhook_deliveries (${FAN_OUT_COLUMNS})
         SELECT v.webhook_id, $3::int, $4::varchar, $5::int, 'pending', 0, $6::bigint, NULL, v.payload, $6::bigint, $7::boolean
         FROM unnest($1::int[], $2::text[]) AS v(webhook_id, payload)
         ON CONFLICT DO NOTHING`,
        [
          rows.map((row) => row.webhook_id),
          rows.map(payloadOf),
          event.event_id,
          event.action,
          event.appointment_id,
          now,
          shared,
        ],
      );
      return;
    }
    for (let start = 0; start < rows.length; start += INSERT_ROWS) {
      const chunk = rows.slice(start, start + INSERT_ROWS);
      const values = chunk.map(() => "(?, ?, ?, ?, 'pending', 0, ?, NULL, ?, ?, ?)").join(', ');
      await manager.query(
        `INSERT OR IGNORE INTO webhook_deliveries (${FAN_OUT_COLUMNS}) VALUES ${values}`,
        chunk.flatMap((row) => [
          row.webhook_id,
          event.event_id,
          event.action,
          event.appointment_id,
          now,
          payloadOf(row),
          now,
          shared ? 1 : 0,
        ]),
      );
    }
  }

  private async nextDeliveryId(): Promise<number> {
    const [row] = await this.transactions.sql<{ next: number }>(
      'SELECT COALESCE(MAX(id), 0) + 1 AS next FROM webhook_deliveries',
    );
    return Number(row.next);
  }

  /**
   * A delivery that is sent at once by the caller (test sends): created already leased, tried once. Due when its
   * lease runs out: should the caller's process die before its attempt is recorded, a worker sends it then
   * (without, it stayed pending for good, never sent and never pruned).
   */
  insertLeased(row: NewDelivery, leaseUntil: number): Promise<ClaimedDelivery> {
    return this.transactions.run(async ({ manager }) => {
      const saved = await manager.save(
        manager.create(WebhookDeliveryEntity, {
          ...row,
          status: 'pending',
          attempt_count: 0,
          manual: true,
          next_attempt_at: leaseUntil,
          lease_until: leaseUntil,
          date_created: Date.now(),
        }),
      );
      return { ...toClaimed(saved), lease_until: leaseUntil };
    });
  }

  /** A test send that a worker instance sends: pending and due now, tried once. */
  insertManual(row: NewDelivery): Promise<WebhookDeliveryEntity> {
    return this.transactions.run(({ manager }) => {
      const now = Date.now();
      return manager.save(
        manager.create(WebhookDeliveryEntity, {
          ...row,
          status: 'pending',
          attempt_count: 0,
          manual: true,
          next_attempt_at: now,
          lease_until: null,
          date_created: now,
        }),
      );
    });
  }

  /**
   * Makes a delivery due now for a worker instance, unless a live instance holds it: a pending one keeps its
   * schedule, a delivered or failed one becomes pending for one manual attempt. Null when it is held.
   */
  requeue(id: number, now: number): Promise<WebhookDeliveryEntity | null> {
    return this.transactions.run(async ({ manager }) => {
      const result = await manager
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set({
          manual: () => "CASE WHEN status = 'pending' THEN manual ELSE TRUE END",
          status: 'pending',
          next_attempt_at: now,
        })
        .where('id = :id AND (lease_until IS NULL OR lease_until < :now)', { id, now })
        .execute();
      if (!result.affected) return null;
      const queued = await manager.findOneBy(WebhookDeliveryEntity, { id });
      return queued && (await fillSharedBodies(this.transactions, [queued]))[0];
    });
  }

  /**
   * Leases up to `limit` due deliveries: pending, due, not leased by a live instance, of an enabled webhook,
   * and the earliest pending one of their (webhook, appointment) by event, so that one appointment's events go
   * out in event order even when an earlier event was fanned out late (by the relay, after a crash). On PostgreSQL `SKIP LOCKED` lets several instances claim side by side without taking the same row.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    // The fence is read on the writer's turn, not now: a fan-out queued ahead of this claim puts it up first.
    if (this.postgres) {
      return this.claim(
        () => this.transactions.sql(CLAIM_DUE_POSTGRES, [leaseUntil, now, limit, this.fence()]),
        leaseUntil,
      );
    }
    // SQLite: the due ids first, then the lease on them, in the claim's transaction (which holds the write
    // lock): one UPDATE whose WHERE walks the due query took about twice as long per delivery in isolation.
    return this.claim(async () => {
      const due = await this.transactions.sql<{ id: number }>(DUE_SQLITE, [now, limit, this.fence()]);
      return this.transactions.sql(LEASE_IDS_SQLITE, [leaseUntil, due.map((row) => row.id)]);
    }, leaseUntil);
  }

  /**
   * Leases one delivery whatever its status, unless a live instance holds it, an earlier event of its
   * appointment to its webhook is pending (sent now, it would arrive first), or its fan-out is not yet on disk
   * (`unsynced`); null when it cannot.
   */
  async claimOne(id: number, now: number, leaseUntil: number): Promise<ClaimedDelivery | null> {
    const [claimed] = await this.claim(
      () => this.transactions.sql(CLAIM_ONE, [leaseUntil, now, id, this.fence()]),
      leaseUntil,
    );
    return claimed ?? null;
  }

  /** The lowest delivery id not to be claimed yet (see `unsynced`). */
  private fence(): number {
    return Math.min(NO_FENCE, ...[...this.unsynced].map((fence) => fence.from));
  }

  /** The id of the earliest pending delivery of an earlier event that `id` waits for (see `claimOne`), if any. */
  async earlierPending(id: number): Promise<number | null> {
    const [row] = await this.transactions.sql<{ id: number | string }>(EARLIER_PENDING, [id]);
    return row === undefined ? null : Number(row.id);
  }

  /**
   * Deletes a webhook's delivery log (the attempts go with their deliveries), PRUNE_BATCH deliveries at a time,
   * each batch a transaction of its own with the event loop free between them: the webhook's own cascading
   * delete of a 100,000-delivery log held SQLite's writer, and the event loop, for a third of a second (30 days
   * of a delivery a second: about 10 s). Pending ones go too (a receiver down for a day leaves 86,000): one the
   * pump is sending meanwhile records nothing (its attempt's foreign key refuses it). Those fanned out meanwhile
   * go with the webhook.
   */
  async deleteLogOf(webhookId: number): Promise<void> {
    for (;;) {
      const rows = await this.transactions.sql<{ id: number | string }>(LOG_OF_WEBHOOK, [
        webhookId,
        PRUNE_BATCH,
      ]);
      if (rows.length === 0) return;
      const ids = rows.map((row) => Number(row.id));
      await this.transactions.run(() =>
        this.transactions.sql(
          `DELETE FROM webhook_deliveries WHERE ${this.transactions.inList('id', '$1')}`,
          [ids],
        ),
      );
      if (rows.length < PRUNE_BATCH) return;
      await yieldToEventLoop();
    }
  }

  /** Gives leases back without an attempt, so that another instance (or this one later) takes them at once. */
  async release(deliveries: ClaimedDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.transactions.run(async ({ manager }) => {
      for (const delivery of deliveries) {
        await manager.update(
          WebhookDeliveryEntity,
          { id: delivery.id, lease_until: delivery.lease_until },
          { lease_until: null },
        );
      }
    }, BOOKKEEPING);
  }

  async loadTargets(webhookIds: number[], now: number): Promise<Map<number, DeliveryTarget>> {
    const rows = await this.transactions.sql<TargetRow>(
      `SELECT ${TARGET_COLUMNS} FROM webhooks WHERE ${this.transactions.inList('id', '$1')}`,
      [[...new Set(webhookIds)]],
    );
    return new Map(rows.map((row) => [Number(row.id), toTarget(row, now)]));
  }

  /**
   * Writes attempts and their deliveries' new state, and the webhooks' health, in one transaction. Should that
   * fail, each outcome is written alone, so that one cannot fail the others (see `recordAlone`). An outcome
   * left unwritten keeps its delivery leased: it is sent again when the lease runs out, only to fail to record
   * again, without end (seen: a NUL in an answer, which PostgreSQL's text refuses).
   */
  async record(outcomes: DeliveryOutcome[], health: WebhookHealthChange[]): Promise<DisabledWebhook[]> {
    if (outcomes.length === 0 && health.length === 0) return [];
    try {
      return await this.transactions.run((tx) => this.write(tx, outcomes, health), BOOKKEEPING);
    } catch (error) {
      if (outcomes.length === 0) throw error;
      for (const outcome of outcomes) await this.recordAlone(outcome);
      return this.transactions.run((tx) => this.write(tx, [], health), BOOKKEEPING);
    }
  }

  /**
   * One outcome. Its webhook deleted while it was in flight took the delivery with it: nothing to write. One
   * the database refuses otherwise (`isValueRefusal`) is written again without the texts the receiver chose
   * (its answer, the errors), saying so. Any other failure (the database down or busy, a connection lost)
   * throws at once: the delivery stays leased and is sent again, its answer then recorded whole.
   */
  private async recordAlone(outcome: DeliveryOutcome): Promise<void> {
    const writeOnly = (written: DeliveryOutcome) =>
      this.transactions.run((tx) => this.write(tx, [written], []), BOOKKEEPING);
    try {
      await writeOnly(outcome);
    } catch (refusal) {
      if (isForeignKeyViolation(refusal)) return;
      if (!isValueRefusal(refusal)) throw refusal;
      const notStored = `not stored: the database refused this attempt's text (${errorCode(refusal) ?? 'unknown'})`;
      await writeOnly({
        ...outcome,
        result: {
          ...outcome.result,
          response_body: null,
          error: outcome.result.error === null ? null : notStored,
        },
        last_error: outcome.last_error === null ? null : notStored,
      }).catch((error: unknown) => {
        if (!isForeignKeyViolation(error)) throw error;
      });
    }
  }

  /** Answers the webhooks this write disabled. */
  private async write(
    { manager }: Transaction,
    outcomes: DeliveryOutcome[],
    health: WebhookHealthChange[],
  ): Promise<DisabledWebhook[]> {
    for (let start = 0; start < outcomes.length; start += OUTCOME_ROWS) {
      const chunk = outcomes.slice(start, start + OUTCOME_ROWS);
      await this.insertAttempts(chunk);
      await this.updateDeliveries(chunk);
    }
    const disabled: DisabledWebhook[] = [];
    for (const change of health) {
      if ((await this.applyHealth(manager, change)) && change.change === 'disable')
        disabled.push({ id: change.webhookId, reason: change.reason });
    }
    return disabled;
  }

  /**
   * One prepared statement per chunk of attempts, whatever its size: the rows go in as one JSON array on SQLite
   * (walked by json_each), as one array per column on PostgreSQL (unnest).
   */
  private async insertAttempts(outcomes: DeliveryOutcome[]): Promise<void> {
    const rows = outcomes.map(({ delivery, result }) => [
      delivery.id,
      delivery.attempt_count + 1,
      result.started_at,
      result.duration_ms,
      result.status_code,
      result.error,
      result.response_body?.slice(0, RESPONSE_BODY_MAX_CHARS) ?? null,
    ]);
    await this.transactions.sql(
      this.postgres ? INSERT_ATTEMPTS_POSTGRES : INSERT_ATTEMPTS_SQLITE,
      this.rowsParams(rows),
    );
  }

  /**
   * Each delivery's new state, one statement for the chunk. Fenced by the lease: an outcome whose lease ran
   * out and was taken by another instance changes nothing.
   */
  private async updateDeliveries(outcomes: DeliveryOutcome[]): Promise<void> {
    const rows = outcomes.map((o) => [
      o.delivery.id,
      o.delivery.lease_until,
      o.decision.status,
      o.decision.next_attempt_at,
      o.result.status_code,
      o.last_error,
      o.decision.delivered_at,
    ]);
    await this.transactions.sql(
      this.postgres ? UPDATE_DELIVERIES_POSTGRES : UPDATE_DELIVERIES_SQLITE,
      this.rowsParams(rows),
    );
  }

  /** Rows as the statements above bind them: one JSON text on SQLite, one array per column on PostgreSQL. */
  private rowsParams(rows: (string | number | null)[][]): SqlValue[] {
    if (!this.postgres) return [JSON.stringify(rows)];
    return rows[0].map((_, column) => rows.map((row) => row[column])) as unknown as SqlValue[];
  }

  /** Answers whether the change was made (each is conditional on the webhook's state as it is now). */
  private async applyHealth(manager: EntityManager, change: WebhookHealthChange): Promise<boolean> {
    const query = manager
      .createQueryBuilder()
      .update(WebhookEntity)
      .where('id = :id', { id: change.webhookId });
    switch (change.change) {
      case 'recovered':
        return changed(
          await query.set({ failing_since: null }).andWhere('failing_since IS NOT NULL').execute(),
        );
      case 'failing':
        return changed(
          await query.set({ failing_since: change.since }).andWhere('failing_since IS NULL').execute(),
        );
      case 'disable':
        query
          .set({ enabled: false, disabled_reason: change.reason, date_modified: Date.now() })
          .andWhere('enabled = :enabled', { enabled: true });
        // The condition is re-checked here: a success on another instance may have cleared it meanwhile.
        if (change.failingBefore !== undefined) {
          query.andWhere('failing_since <= :cutoff', { cutoff: change.failingBefore });
        }
        return changed(await query.execute());
    }
  }

  /** Runs `lease` (the statements that lease rows and answer them) in a transaction of its own. */
  private async claim(lease: () => Promise<RawClaimed[]>, leaseUntil: number): Promise<ClaimedDelivery[]> {
    const rows = await this.transactions.run(async () => {
      const claimed = await lease();
      return fillSharedBodies(this.transactions, claimed);
    }, BOOKKEEPING);
    return rows.map((row) => ({ ...toClaimed(row), lease_until: leaseUntil }));
  }
}

/** A webhook a write of outcomes disabled, and why. */
export interface DisabledWebhook {
  id: number;
  reason: string;
}

function changed(result: UpdateResult): boolean {
  return (result.affected ?? 0) > 0;
}

interface RawClaimed extends StoredBody {
  id: number | string;
  webhook_id: number | string;
  status: DeliveryStatus;
  attempt_count: number | string;
  payload: string;
  manual: boolean | number;
  delivered_at: number | string | null;
}

function toClaimed(row: RawClaimed): Omit<ClaimedDelivery, 'lease_until'> {
  return {
    id: Number(row.id),
    webhook_id: Number(row.webhook_id),
    status: row.status,
    attempt_count: Number(row.attempt_count),
    payload: row.payload,
    // SQLite answers raw booleans as 0/1, and an entity saved without the column leaves it undefined.
    manual: Number(row.manual ?? false) === 1,
    delivered_at:
      row.delivered_at === null || row.delivered_at === undefined ? null : Number(row.delivered_at),
  };
}

const TARGET_COLUMNS = 'id, url, enabled, secret, previous_secret, previous_secret_expires_at, failing_since';

/** A webhook row as the drivers answer it (bigint as text and booleans as such on PostgreSQL, 0/1 on SQLite). */
interface TargetRow {
  id: number | string;
  url: string;
  enabled: boolean | number;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | string | null;
  failing_since: number | string | null;
}

function toTarget(row: TargetRow, now: number): DeliveryTarget {
  const expiresAt = nullableNumber(row.previous_secret_expires_at);
  const previousValid = row.previous_secret !== null && expiresAt !== null && expiresAt > now;
  return {
    id: Number(row.id),
    url: row.url,
    enabled: Number(row.enabled) === 1,
    secrets: previousValid ? [row.secret, row.previous_secret!] : [row.secret],
    failing_since: nullableNumber(row.failing_since),
  };
}

function nullableNumber(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * Delivery `e` is pending, of an earlier event of `row`'s appointment to `row`'s webhook: `row` waits for it
 * (one appointment's events reach a webhook in event order).
 */
const earlierPendingOf = (row: string) =>
  `e.webhook_id = ${row}.webhook_id AND e.appointment_id = ${row}.appointment_id
    AND e.status = 'pending' AND e.event_id < ${row}.event_id`;

/**
 * The due deliveries (`$2` now, `$3` how many, below id `$4`, see `unsynced`) that `claimDue` leases: pending, due, not leased by a live
 * instance, of an enabled webhook, and the earliest pending one of their (webhook, appointment) by event.
 */
const DUE = `
  SELECT d.id FROM webhook_deliveries d
  JOIN webhooks w ON w.id = d.webhook_id
  WHERE d.status = 'pending' AND d.next_attempt_at <= $2 AND d.id < CAST($4 AS bigint)
    AND (d.lease_until IS NULL OR d.lease_until < $2)
    AND (w.enabled = TRUE OR d.manual = TRUE)
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE ${earlierPendingOf('d')})
  ORDER BY d.next_attempt_at, d.id
  LIMIT $3`;

/** The due deliveries' ids, with DUE's parameters one place down ($2 now, $3 how many, $4 the fence). */
const DUE_SQLITE = DUE.replace(/\$(\d+)/g, (_match, digits: string) => `$${Number(digits) - 1}`);

/** Leases ($1) the deliveries of the ids in $2 (a JSON array). */
const LEASE_IDS_SQLITE = `UPDATE webhook_deliveries SET lease_until = $1
  WHERE id IN (SELECT value FROM json_each($2)) RETURNING ${CLAIMED_COLUMNS}`;

const CLAIM_DUE_POSTGRES = `WITH picked AS MATERIALIZED (${DUE} FOR UPDATE OF d SKIP LOCKED)
  UPDATE webhook_deliveries SET lease_until = $1 FROM picked WHERE webhook_deliveries.id = picked.id
  RETURNING ${CLAIMED_COLUMNS.replace(/(\w+)/g, 'webhook_deliveries.$1')}`;

const ATTEMPT_COLUMNS =
  'delivery_id, attempt_number, started_at, duration_ms, status_code, error, response_body';

/** The attempts of a chunk of outcomes, bound as one JSON array of rows ($1). */
const INSERT_ATTEMPTS_SQLITE = `INSERT INTO webhook_delivery_attempts (${ATTEMPT_COLUMNS})
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6 FROM json_each($1)`;

const INSERT_ATTEMPTS_POSTGRES = `INSERT INTO webhook_delivery_attempts (${ATTEMPT_COLUMNS})
  SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::int[], $5::int[], $6::text[], $7::text[])`;

const SET_OUTCOME = `status = v.status, attempt_count = d.attempt_count + 1, next_attempt_at = v.next,
  lease_until = NULL, last_status_code = v.code, last_error = v.error,
  delivered_at = COALESCE(d.delivered_at, v.delivered)`;

/** The deliveries' new state, bound as one JSON array of rows ($1), fenced by the lease. */
const UPDATE_DELIVERIES_SQLITE = `WITH v(id, lease, status, next, code, error, delivered) AS (
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6
    FROM json_each($1))
  UPDATE webhook_deliveries AS d SET ${SET_OUTCOME} FROM v WHERE d.id = v.id AND d.lease_until = v.lease`;

const UPDATE_DELIVERIES_POSTGRES = `UPDATE webhook_deliveries d SET ${SET_OUTCOME}
  FROM unnest($1::int[], $2::bigint[], $3::varchar[], $4::bigint[], $5::int[], $6::text[], $7::bigint[])
    AS v(id, lease, status, next, code, error, delivered)
  WHERE d.id = v.id AND d.lease_until = v.lease`;

/**
 * Leases ($1) delivery $3 unless a live lease ($2 now) holds it, it is at or above the fence ($4, see
 * `unsynced`), or an earlier event of its appointment to its webhook is pending (whatever its own status: a
 * finished one sent again would arrive before that one too).
 */
const CLAIM_ONE = `UPDATE webhook_deliveries SET lease_until = $1
  WHERE id = $3 AND id < CAST($4 AS bigint) AND (lease_until IS NULL OR lease_until < $2)
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE ${earlierPendingOf('webhook_deliveries')})
  RETURNING ${CLAIMED_COLUMNS}`;

/** The earliest pending delivery of an earlier event of the same appointment to the same webhook as $1. */
const EARLIER_PENDING = `SELECT e.id FROM webhook_deliveries d JOIN webhook_deliveries e ON ${earlierPendingOf('d')}
  WHERE d.id = $1
  ORDER BY e.event_id
  LIMIT 1`;

/** A batch ($2 at most) of webhook $1's deliveries, by the index its delivery log is read by. */
const LOG_OF_WEBHOOK = 'SELECT id FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id LIMIT $2';
