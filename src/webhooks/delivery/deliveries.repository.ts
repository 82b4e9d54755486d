import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, QueryResult } from 'typeorm';
import { isForeignKeyViolation } from '../../database/errors';
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
 * with the same webhook-id, as after any crash. Fan-outs stay durable: a delivery lost with its event's
 * handled mark would be created again under a new id.
 */
const BOOKKEEPING = { durable: false } as const;
/** Outcomes per statement (7 parameters each on SQLite). */
const OUTCOME_ROWS = 200;
const CLAIMED_COLUMNS =
  'id, webhook_id, status, attempt_count, payload, manual, delivered_at, event_id, shared_body';

const RESPONSE_BODY_MAX_CHARS = 4096;

/**
 * The delivery queue's SQL. Kept to a few statements per batch: one claim statement for many deliveries,
 * one transaction for many outcomes, because every round trip costs throughput (and on SQLite every
 * transaction waits for the one writer).
 */
@Injectable()
export class DeliveriesRepository {
  private readonly postgres: boolean;

  constructor(
    private readonly transactions: Transactions,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.postgres = transactions.isPostgres;
  }

  /**
   * Inserts the deliveries of one event; those that already exist (a replayed event) are left as they are.
   * With a `template`, the event's body is stored once (kept if a replay finds it there) and each delivery
   * refers to it (`shared_body`); without, each delivery carries its own `payload`. Plain SQL with the same
   * text for every full statement, so that the driver reuses its prepared statement: one `unnest` statement
   * on PostgreSQL, statements of `INSERT_ROWS` rows on SQLite.
   */
  async insertForEvent(
    event: FanOutEvent,
    template: SsaBodyTemplate | null,
    rows: FanOutRow[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    const shared = template !== null;
    await this.transactions.run(async ({ manager }) => {
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
    });
  }

  /** A delivery that is sent at once by the caller (test sends): created already leased, never retried. */
  insertLeased(row: NewDelivery, leaseUntil: number): Promise<ClaimedDelivery> {
    return this.transactions.run(async ({ manager }) => {
      const saved = await manager.save(
        manager.create(WebhookDeliveryEntity, {
          ...row,
          status: 'pending',
          attempt_count: 0,
          manual: true,
          next_attempt_at: null,
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
      return queued && (await fillSharedBodies(manager, [queued]))[0];
    });
  }

  /**
   * Leases up to `limit` due deliveries: pending, due, not leased by a live instance, of an enabled webhook,
   * and the earliest pending one of their (webhook, appointment) by event, so that one appointment's events go
   * out in event order even when an earlier event was fanned out late (by the relay, after a crash). On PostgreSQL `SKIP LOCKED` lets several instances claim side by side without taking the same row.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    const due = `
      SELECT d.id FROM webhook_deliveries d
      JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= :now
        AND (d.lease_until IS NULL OR d.lease_until < :now)
        AND (w.enabled = TRUE OR d.manual = TRUE)
        AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries e
          WHERE e.webhook_id = d.webhook_id AND e.appointment_id = d.appointment_id
            AND e.status = 'pending' AND e.event_id < d.event_id)
      ORDER BY d.next_attempt_at, d.id
      LIMIT :limit`;
    const sql = this.postgres
      ? `WITH picked AS MATERIALIZED (${due} FOR UPDATE OF d SKIP LOCKED)
         UPDATE webhook_deliveries SET lease_until = :lease FROM picked WHERE webhook_deliveries.id = picked.id
         RETURNING ${CLAIMED_COLUMNS.replace(/(\w+)/g, 'webhook_deliveries.$1')}`
      : `UPDATE webhook_deliveries SET lease_until = :lease WHERE id IN (${due}) RETURNING ${CLAIMED_COLUMNS}`;
    return this.claim(sql, { lease: leaseUntil, now, limit }, leaseUntil);
  }

  /** Leases one delivery whatever its status, unless a live instance holds it; null when it cannot. */
  async claimOne(id: number, now: number, leaseUntil: number): Promise<ClaimedDelivery | null> {
    const sql = `UPDATE webhook_deliveries SET lease_until = :lease
      WHERE id = :id AND (lease_until IS NULL OR lease_until < :now)
      RETURNING ${CLAIMED_COLUMNS}`;
    const [claimed] = await this.claim(sql, { lease: leaseUntil, id, now }, leaseUntil);
    return claimed ?? null;
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
    const webhooks = await this.dataSource.manager.find(WebhookEntity, {
      where: { id: In([...new Set(webhookIds)]) },
    });
    return new Map(webhooks.map((webhook) => [webhook.id, toTarget(webhook, now)]));
  }

  /** Writes attempts and their deliveries' new state, and the webhooks' health, in one transaction. */
  async record(outcomes: DeliveryOutcome[], health: WebhookHealthChange[]): Promise<void> {
    if (outcomes.length === 0 && health.length === 0) return;
    try {
      await this.transactions.run((tx) => this.write(tx, outcomes, health), BOOKKEEPING);
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      // A webhook deleted while its delivery was in flight took the delivery with it: record the others.
      for (const outcome of outcomes) {
        await this.transactions
          .run((tx) => this.write(tx, [outcome], []))
          .catch((single: unknown) => {
            if (!isForeignKeyViolation(single)) throw single;
          });
      }
      await this.transactions.run((tx) => this.write(tx, [], health));
    }
  }

  private async write(
    { manager }: Transaction,
    outcomes: DeliveryOutcome[],
    health: WebhookHealthChange[],
  ): Promise<void> {
    for (let start = 0; start < outcomes.length; start += OUTCOME_ROWS) {
      const chunk = outcomes.slice(start, start + OUTCOME_ROWS);
      await this.insertAttempts(manager, chunk);
      await this.updateDeliveries(manager, chunk);
    }
    for (const change of health) await this.applyHealth(manager, change);
  }

  /** One statement per chunk of attempts (plain SQL: the query builder cost more than the rows). */
  private async insertAttempts(manager: EntityManager, outcomes: DeliveryOutcome[]): Promise<void> {
    const rows = outcomes.map(({ delivery, result }) => [
      delivery.id,
      delivery.attempt_count + 1,
      result.started_at,
      result.duration_ms,
      result.status_code,
      result.error,
      result.response_body?.slice(0, RESPONSE_BODY_MAX_CHARS) ?? null,
    ]);
    const columns = 'delivery_id, attempt_number, started_at, duration_ms, status_code, error, response_body';
    if (this.postgres) {
      await manager.query(
        `INSERT INTO webhook_delivery_attempts (${columns})
         SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::int[], $5::int[], $6::text[], $7::text[])`,
        rows[0].map((_, column) => rows.map((row) => row[column])),
      );
      return;
    }
    const values = rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
    await manager.query(`INSERT INTO webhook_delivery_attempts (${columns}) VALUES ${values}`, rows.flat());
  }

  /**
   * Each delivery's new state, one statement for the chunk. Fenced by the lease: an outcome whose lease ran
   * out and was taken by another instance changes nothing.
   */
  private async updateDeliveries(manager: EntityManager, outcomes: DeliveryOutcome[]): Promise<void> {
    const rows = outcomes.map((o) => [
      o.delivery.id,
      o.delivery.lease_until,
      o.decision.status,
      o.decision.next_attempt_at,
      o.result.status_code,
      o.last_error,
      o.decision.delivered_at,
    ]);
    const set = `status = v.status, attempt_count = d.attempt_count + 1, next_attempt_at = v.next,
      lease_until = NULL, last_status_code = v.code, last_error = v.error,
      delivered_at = COALESCE(d.delivered_at, v.delivered)`;
    if (this.postgres) {
      await manager.query(
        `UPDATE webhook_deliveries d SET ${set}
         FROM unnest($1::int[], $2::bigint[], $3::varchar[], $4::bigint[], $5::int[], $6::text[], $7::bigint[])
           AS v(id, lease, status, next, code, error, delivered)
         WHERE d.id = v.id AND d.lease_until = v.lease`,
        rows[0].map((_, column) => rows.map((row) => row[column])),
      );
      return;
    }
    const values = rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
    await manager.query(
      `WITH v(id, lease, status, next, code, error, delivered) AS (VALUES ${values})
       UPDATE webhook_deliveries AS d SET ${set} FROM v WHERE d.id = v.id AND d.lease_until = v.lease`,
      rows.flat(),
    );
  }

  private async applyHealth(manager: EntityManager, change: WebhookHealthChange): Promise<void> {
    const query = manager
      .createQueryBuilder()
      .update(WebhookEntity)
      .where('id = :id', { id: change.webhookId });
    switch (change.change) {
      case 'recovered':
        await query.set({ failing_since: null }).andWhere('failing_since IS NOT NULL').execute();
        return;
      case 'failing':
        await query.set({ failing_since: change.since }).andWhere('failing_since IS NULL').execute();
        return;
      case 'disable':
        query
          .set({ enabled: false, disabled_reason: change.reason, date_modified: Date.now() })
          .andWhere('enabled = :enabled', { enabled: true });
        // The condition is re-checked here: a success on another instance may have cleared it meanwhile.
        if (change.failingBefore !== undefined) {
          query.andWhere('failing_since <= :cutoff', { cutoff: change.failingBefore });
        }
        await query.execute();
        return;
    }
  }

  private async claim(
    sql: string,
    parameters: Record<string, unknown>,
    leaseUntil: number,
  ): Promise<ClaimedDelivery[]> {
    const rows = await this.transactions.run(async ({ manager }) => {
      const result = await this.query(manager, sql, parameters);
      return fillSharedBodies(manager, (result.records ?? []) as RawClaimed[]);
    }, BOOKKEEPING);
    return rows.map((row) => ({ ...toClaimed(row), lease_until: leaseUntil }));
  }

  /** Raw SQL with `:name` parameters, in either dialect (`$n` on PostgreSQL, `?` on SQLite). */
  private query(
    manager: EntityManager,
    sql: string,
    parameters: Record<string, unknown>,
  ): Promise<QueryResult> {
    const names: string[] = [];
    const text = sql.replace(/(?<!:):(\w+)/g, (_match, name: string) => {
      if (!(name in parameters)) throw new Error(`no value for :${name}`);
      if (!this.postgres) {
        names.push(name);
        return '?';
      }
      const index = names.indexOf(name);
      if (index >= 0) return `$${index + 1}`;
      names.push(name);
      return `$${names.length}`;
    });
    return manager.queryRunner!.query(
      text,
      names.map((name) => parameters[name]),
      true,
    );
  }
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

function toTarget(webhook: WebhookEntity, now: number): DeliveryTarget {
  const previousValid =
    webhook.previous_secret !== null &&
    webhook.previous_secret_expires_at !== null &&
    webhook.previous_secret_expires_at > now;
  return {
    id: webhook.id,
    url: webhook.url,
    enabled: webhook.enabled,
    secrets: previousValid ? [webhook.secret, webhook.previous_secret!] : [webhook.secret],
    failing_since: webhook.failing_since,
  };
}
