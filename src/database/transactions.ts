import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { DomainEvent, StoredEvent } from '../common/events/domain-event';
import { OutboxEventEntity } from '../common/events/outbox-event.entity';
import { Mutex } from './mutex';

export interface Transaction {
  readonly manager: EntityManager;
  /** Writes the event to the outbox in this transaction; it is emitted after commit. */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Serializes transactions that name the same keys (`type:3`, `member:7`) until commit: transaction-scoped
   * advisory locks on PostgreSQL, taken in sorted order so that two bookings cannot deadlock. On SQLite the
   * whole transaction already holds the database's write lock (BEGIN IMMEDIATE), so there is nothing to add.
   */
  lockKeys(keys: string[]): Promise<void>;
}

/**
 * The one way to write. Every write of every module goes through `run`, so that a change and the outbox
 * rows of its events commit together, and so that SQLite (one shared connection in TypeORM's driver) sees
 * one transaction at a time.
 */
@Injectable()
export class Transactions {
  private readonly sqlite: boolean;
  private readonly sqliteWriter = new Mutex();
  private readonly logger = new Logger(Transactions.name);

  private publishCommitted: (events: StoredEvent[]) => Promise<void> = async () => {};

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.sqlite = dataSource.options.type === 'better-sqlite3';
  }

  /** The event dispatcher registers itself here; it is called with each transaction's events after commit. */
  onCommitted(publish: (events: StoredEvent[]) => Promise<void>): void {
    this.publishCommitted = publish;
  }

  get isPostgres(): boolean {
    return !this.sqlite;
  }

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const published: StoredEvent[] = [];
    const result = this.sqlite
      ? await this.sqliteWriter.run(() => this.inTransaction(work, published))
      : await this.inTransaction(work, published);
    if (published.length > 0) {
      // The change is committed: a failure to emit now must not turn it into an error for the caller,
      // who might retry it. The events stay unhandled in the outbox and the relay emits them again.
      await this.publishCommitted(published).catch((error: unknown) =>
        this.logger.error({
          msg: 'emitting committed events failed; the outbox relay will retry',
          event_ids: published.map((event) => event.id),
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
    return result;
  }

  private async inTransaction<T>(
    work: (tx: Transaction) => Promise<T>,
    published: StoredEvent[],
  ): Promise<T> {
    const queryRunner = this.dataSource.createQueryRunner();
    if (this.sqlite) beginImmediately(queryRunner);
    await queryRunner.connect();
    await queryRunner.startTransaction();
    const manager = queryRunner.manager;
    const pending: StoredEvent[] = [];
    const tx: Transaction = {
      manager,
      publish: async (event) => {
        const occurredAt = Date.now();
        const payload = JSON.stringify(event.payload);
        const inserted = await manager.insert(OutboxEventEntity, {
          name: event.name,
          payload,
          occurred_at: occurredAt,
          handled_at: null,
          claimed_until: null,
          attempts: 0,
          last_error: null,
        });
        pending.push({
          id: Number(inserted.identifiers[0].id),
          name: event.name,
          payload: event.payload,
          occurred_at: new Date(occurredAt).toISOString(),
        });
      },
      lockKeys: async (keys) => {
        if (this.sqlite) return;
        for (const key of [...new Set(keys)].sort()) {
          await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
        }
      },
    };
    try {
      const result = await work(tx);
      await queryRunner.commitTransaction();
      published.push(...pending);
      return result;
    } catch (error) {
      if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction();
      throw error;
    } finally {
      await queryRunner.release();
    }
  }
}

const immediateRunners = new WeakSet<QueryRunner>();

/**
 * TypeORM opens SQLite transactions DEFERRED, which lets two processes on one file both read and then
 * fail to upgrade to a write lock (SQLITE_BUSY mid-transaction). IMMEDIATE takes the write lock up front,
 * so a second instance waits on the busy timeout instead.
 */
function beginImmediately(queryRunner: QueryRunner): void {
  // The better-sqlite3 driver hands out one shared query runner: wrapping it again on every transaction
  // nested one more closure per transaction, until each query overflowed the stack.
  if (immediateRunners.has(queryRunner)) return;
  immediateRunners.add(queryRunner);
  const query = queryRunner.query.bind(queryRunner);
  queryRunner.query = ((sql: string, ...rest: unknown[]) =>
    query(
      sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql,
      ...(rest as []),
    )) as QueryRunner['query'];
}
