import { Injectable } from '@nestjs/common';
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
   * Serializes writers of the same rows until commit: `FOR UPDATE` on PostgreSQL. On SQLite the whole
   * transaction already holds the database's write lock (BEGIN IMMEDIATE), so there is nothing to add.
   */
  lockRows(table: string, ids: number[]): Promise<void>;
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
    if (published.length > 0) await this.publishCommitted(published);
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
        const row = await manager.save(OutboxEventEntity, {
          name: event.name,
          payload: JSON.stringify(event.payload),
          occurred_at: Date.now(),
          handled_at: null,
          claimed_until: null,
          attempts: 0,
          last_error: null,
        });
        pending.push({
          id: row.id,
          name: row.name,
          payload: event.payload,
          occurred_at: new Date(row.occurred_at).toISOString(),
        });
      },
      lockRows: async (table, ids) => {
        if (this.sqlite || ids.length === 0) return;
        const sorted = [...new Set(ids)].sort((a, b) => a - b);
        await manager.query(`SELECT id FROM "${table}" WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [sorted]);
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

/**
 * TypeORM opens SQLite transactions DEFERRED, which lets two processes on one file both read and then
 * fail to upgrade to a write lock (SQLITE_BUSY mid-transaction). IMMEDIATE takes the write lock up front,
 * so a second instance waits on the busy timeout instead.
 */
function beginImmediately(queryRunner: QueryRunner): void {
  const query = queryRunner.query.bind(queryRunner);
  queryRunner.query = ((sql: string, ...rest: unknown[]) =>
    query(
      sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql,
      ...(rest as []),
    )) as QueryRunner['query'];
}
