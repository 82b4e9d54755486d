import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { DomainEvent, StoredEvent } from '../common/events/domain-event';
import { isPostgres } from './dialect';
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

export interface RunOptions {
  /**
   * False: on SQLite the commit need not reach the disk before `run` returns (a power loss may roll it back;
   * a process crash cannot). For bookkeeping whose loss only repeats work, e.g. delivery leases and outcomes
   * (the delivery is sent again, with the same webhook-id). PostgreSQL always commits durably.
   */
  durable?: boolean;
}

interface SqliteConnection {
  pragma(source: string, options?: { simple: boolean }): unknown;
}

/**
 * Writes a published event in its transaction and returns it as listeners will receive it. The outbox
 * (src/outbox) plugs itself in, so that this file knows events only by their type.
 */
export interface EventWriter {
  write(manager: EntityManager, event: DomainEvent): Promise<StoredEvent>;
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
  private sqliteSyncLevel?: number;
  /** The transaction the current async call chain runs in, so that a nested `run` joins it. */
  private readonly current = new AsyncLocalStorage<Transaction>();

  private readonly committedListeners: ((events: StoredEvent[]) => void)[] = [];
  private eventWriter?: EventWriter;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.sqlite = !isPostgres(dataSource.options);
  }

  /** The outbox registers the writer of published events here. */
  useEventWriter(writer: EventWriter): void {
    this.eventWriter = writer;
  }

  /**
   * Called synchronously with each transaction's events right after its commit: the event dispatcher
   * schedules their emission here (it must not make the caller wait for it).
   */
  onCommitted(listener: (events: StoredEvent[]) => void): void {
    this.committedListeners.push(listener);
  }

  get isPostgres(): boolean {
    return !this.sqlite;
  }

  /**
   * The manager every module's repository reads and writes with: the enclosing transaction's when this call
   * chain runs inside `run` (so a read sees the transaction's own uncommitted writes, which on PostgreSQL
   * another pooled connection would not), otherwise the data source's.
   */
  get manager(): EntityManager {
    return this.readWith(this.dataSource.manager);
  }

  /**
   * The manager to read with: the enclosing transaction's when this call chain runs inside `run` (so a read
   * sees that transaction's own uncommitted writes, which on PostgreSQL another pooled connection would not),
   * otherwise `outside`.
   */
  readWith(outside: EntityManager): EntityManager {
    return this.current.getStore()?.manager ?? outside;
  }

  /**
   * Runs `work` in a transaction and commits it. Called inside another `run` (the same async call chain), it
   * joins that transaction: its writes and events commit, or roll back, with the outer one.
   */
  async run<T>(work: (tx: Transaction) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const outer = this.current.getStore();
    if (outer !== undefined) return work(outer);
    const published: StoredEvent[] = [];
    const result = this.sqlite
      ? await this.sqliteWriter.run(() =>
          options.durable === false
            ? this.withoutSync(() => this.inTransaction(work, published))
            : this.inTransaction(work, published),
        )
      : await this.inTransaction(work, published);
    // Committed: the events go out after this returns. Until they are handled they stay in the outbox,
    // and the relay emits them if this process dies first.
    if (published.length > 0) for (const listener of this.committedListeners) listener(published);
    return result;
  }

  /**
   * SQLite: commits `work` with `synchronous = NORMAL` (no fsync of its own; the next durable commit's fsync
   * covers it, since the WAL is recovered as a prefix). The level is a connection setting, changed only
   * between transactions; the writer mutex is held, so no other transaction commits meanwhile.
   */
  private async withoutSync<T>(work: () => Promise<T>): Promise<T> {
    const db = (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection })
      .databaseConnection;
    // The configured level, read once: only this method changes it afterwards, and it puts it back.
    const level = (this.sqliteSyncLevel ??= Number(db.pragma('synchronous', { simple: true })));
    if (level <= 1) return work();
    db.pragma('synchronous = NORMAL');
    try {
      return await work();
    } finally {
      db.pragma(`synchronous = ${level}`);
    }
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
        if (this.eventWriter === undefined) throw new Error('no outbox is registered to publish events');
        pending.push(await this.eventWriter.write(manager, event));
      },
      lockKeys: async (keys) => {
        if (this.sqlite) return;
        for (const key of [...new Set(keys)].sort()) {
          await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
        }
      },
    };
    try {
      const result = await this.current.run(tx, () => work(tx));
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
