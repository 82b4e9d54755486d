import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { open } from 'node:fs/promises';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Database } from 'better-sqlite3';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { DomainEvent, StoredEvent } from '../common/events/domain-event';
import { isPostgres } from './dialect';
import { Mutex } from './mutex';
import { PgQueryable, PreparedSql, SqlValue } from './prepared-sql';
import { sqliteFile } from './sqlite-file';

export interface Transaction {
  readonly manager: EntityManager;
  /** Writes the event to the outbox in this transaction; it is emitted after commit. */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Serializes transactions that name the same keys (`type:3`, `member:7`) until commit: transaction-scoped
   * advisory locks on PostgreSQL, taken in sorted order so that two bookings cannot deadlock. On SQLite the
   * whole transaction already holds the database's write lock (BEGIN IMMEDIATE), so there is nothing to add.
   * Statements sent after the call, even before it resolves, run once every lock is held (see placement.ts).
   */
  lockKeys(keys: string[]): Promise<void>;
}

/** A transaction as `run` keeps it: with its driver connection (the `pg` client on PostgreSQL). */
interface ActiveTransaction extends Transaction {
  readonly connection: PgQueryable;
  /** Called once the transaction has committed or rolled back (see `afterSettled`). */
  readonly settled: (() => void)[];
  /** PostgreSQL: the statements sent whose answers the commit awaits (see `write`); none on SQLite. */
  readonly unanswered?: Promise<unknown>[];
}

/**
 * Writes a published event in its transaction and returns it as listeners will receive it. The outbox
 * (src/outbox) plugs itself in, so that this file knows events only by their type.
 */
export interface EventWriter {
  /** Called inside the transaction (`Transactions.sql` and `manager` run in it). */
  write(event: DomainEvent): Promise<StoredEvent>;
}

/**
 * The one way to write. Every write of every module goes through `run`, so that a change and the outbox
 * rows of its events commit together, and so that SQLite (one shared connection in TypeORM's driver) sees
 * one transaction at a time.
 */
@Injectable()
export class Transactions implements BeforeApplicationShutdown {
  private readonly logger = new Logger(Transactions.name);
  private readonly sqlite: boolean;
  private readonly sqliteWriter = new Mutex();
  /** The transaction the current async call chain runs in, so that a nested `run` joins it. */
  private readonly current = new AsyncLocalStorage<ActiveTransaction>();
  private readonly prepared = new PreparedSql();
  /** SQLite's configured `synchronous` (as a number), read when a relaxed commit first changes it. */
  private configuredSynchronous?: number;
  /** SQLite: the transaction the writer's turns share until one commits it (see takeTurn). */
  private batch?: Batch;
  /** SQLite: resolves once every batch opened so far has settled (see settled). */
  private settling: Promise<void> = Promise.resolve();
  /** SQLite: the WAL syncs in flight and asked for, so that callers share them (see syncWal). */
  private readonly walSyncs = new SharedSync(() => this.syncWalFile());
  /** SQLite: since when the writer's turns have run without the event loop coming round (see `letLoopTurn`). */
  private loopHeldSince?: number;

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
   * A number that changes whenever another connection commits to the database: SQLite's `data_version` (another
   * process on the same file). Undefined on PostgreSQL, where other instances' commits cannot be seen this way.
   */
  foreignCommits(): number | undefined {
    if (!this.sqlite) return undefined;
    // Prepared once: every availability answer asks.
    const [row] = this.prepared.onSqlite<{ data_version: number }>(
      this.sqliteDb(),
      'PRAGMA data_version',
      [],
    );
    return row.data_version;
  }

  /**
   * SQLite: syncs the WAL file to disk off the event loop (on libuv's threads), so that every commit made
   * before the call, relaxed ones included, survives a power loss once this resolves. Nothing to do on
   * PostgreSQL (the server syncs) or for an in-memory database. Calls made while a sync runs share the next
   * one (a sync that begins after a commit covers it), so at most one runs and one waits.
   */
  async syncWal(): Promise<void> {
    if (this.walPath() !== undefined) await this.walSyncs.request();
  }

  /**
   * SQLite: resolves once every transaction begun before the call has settled (its caller told, its events
   * announced).
   */
  settled(): Promise<void> {
    return this.settling;
  }

  /** Callers of committed works hear of them before the connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  /** SQLite: the WAL file, beside the database file SQLite has open (see `sqliteFile`); undefined in memory. */
  private walPath(): string | undefined {
    const file = this.sqlite ? sqliteFile(this.sqliteDb()) : undefined;
    return file === undefined ? undefined : `${file}-wal`;
  }

  private async syncWalFile(): Promise<void> {
    const wal = await open(this.walPath()!, 'r');
    try {
      await wal.sync();
    } finally {
      await wal.close();
    }
  }

  /**
   * Calls `callback` once the current transaction has committed or rolled back: for an in-process cache of
   * what the transaction writes, which must not keep what a rollback undid. Only inside `run` (every write is).
   */
  afterSettled(callback: () => void): void {
    const tx = this.current.getStore();
    if (tx === undefined) throw new Error('afterSettled outside a transaction: every write runs in one');
    tx.settled.push(callback);
  }

  /**
   * The manager every module's repository reads and writes with: the enclosing transaction's when this call
   * chain runs inside `run` (so a read sees the transaction's own uncommitted writes, which on PostgreSQL
   * another pooled connection would not), otherwise the data source's.
   */
  get manager(): EntityManager {
    return this.current.getStore()?.manager ?? this.dataSource.manager;
  }

  /**
   * Runs one statement of fixed text (`$1…$n` placeholders) as a prepared statement on the driver, in the
   * current transaction when there is one (as `manager` does), and returns its rows as the driver gives
   * them (see PreparedSql). For the hot paths; each module's repository keeps its own SQL.
   */
  async sql<T>(text: string, params: readonly SqlValue[] = []): Promise<T[]> {
    if (this.sqlite) {
      const db = (this.dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
      return this.prepared.onSqlite<T>(db, text, params);
    }
    const client =
      this.current.getStore()?.connection ??
      (this.dataSource.driver as unknown as { master: PgQueryable }).master;
    return this.prepared.onPostgres<T>(client, text, params);
  }

  /**
   * Runs a write whose answer the caller does not need. Inside a transaction on PostgreSQL it is sent at once
   * and resolves without waiting for its answer: the transaction's next statements follow it on the wire
   * (pipelining), and the commit checks its answer; a failed one fails the transaction, which PostgreSQL
   * rolls back. So a transaction holding a lock spends no round trip on it. Otherwise it runs as `sql` does.
   */
  async write(text: string, params: readonly SqlValue[] = []): Promise<void> {
    const tx = this.current.getStore();
    if (tx?.unanswered === undefined) {
      await this.sql(text, params);
      return;
    }
    tx.unanswered.push(quiet(this.prepared.onPostgres(tx.connection, text, params)));
  }

  /**
   * `column` is one of the list bound at `placeholder` (`$2`): a JSON array walked by json_each on SQLite, an
   * array on PostgreSQL. Bind the list itself (PreparedSql turns it into JSON for SQLite).
   */
  inList(column: string, placeholder: string): string {
    return this.sqlite
      ? `${column} IN (SELECT value FROM json_each(${placeholder}))`
      : `${column} = ANY(${placeholder})`;
  }

  /**
   * Runs `work` in a transaction and commits it. Called inside another `run` (the same async call chain), it
   * joins that transaction: its writes and events commit, or roll back, with the outer one.
   */
  async run<T>(work: (tx: Transaction) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const outer = this.current.getStore();
    if (outer !== undefined) return work(outer);
    if (this.sqlite) {
      const durable = options.durable !== false;
      const { done } = await this.sqliteWriter.run(async () => {
        await this.letLoopTurn();
        return this.takeTurn(work, durable);
      });
      return done;
    }
    const published: StoredEvent[] = [];
    const result = await this.inTransaction(work, published, options);
    // Committed: the events go out after this returns. Until they are handled they stay in the outbox,
    // and the relay emits them if this process dies first.
    if (published.length > 0) this.announce(published);
    return result;
  }

  /**
   * SQLite: the writer's turns follow one another in microtasks (better-sqlite3 answers at once), so a queue
   * of them ran without the event loop coming round: wide fan-outs (1,000 deliveries a turn) queued behind
   * each other held it for 0.8–1.4 s, with requests that touch no database waiting as long. A turn that finds
   * the loop held for `LOOP_HELD_MS` lets it come round first (noticed by an immediate that has not run yet).
   */
  private async letLoopTurn(): Promise<void> {
    if (this.loopHeldSince === undefined) {
      this.loopHeldSince = performance.now();
      setImmediate(() => (this.loopHeldSince = undefined));
    } else if (performance.now() - this.loopHeldSince >= LOOP_HELD_MS) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private announce(events: StoredEvent[]): void {
    for (const listener of this.committedListeners) listener(events);
  }

  private async inTransaction<T>(
    work: (tx: Transaction) => Promise<T>,
    published: StoredEvent[],
    options: RunOptions,
  ): Promise<T> {
    const queryRunner = this.dataSource.createQueryRunner();
    const connection = (await queryRunner.connect()) as PgQueryable;
    await queryRunner.startTransaction();
    const unanswered: Promise<unknown>[] = [];
    if (options.durable === false)
      unanswered.push(quiet(this.prepared.onPostgres(connection, 'SET LOCAL synchronous_commit = off', [])));
    const events: Promise<StoredEvent>[] = [];
    const tx = this.transaction(queryRunner.manager, connection, {
      unanswered,
      record: (stored) => {
        unanswered.push(quiet(stored));
        events.push(stored);
        return Promise.resolve();
      },
    });
    try {
      const result = await this.current.run(tx, () => work(tx));
      // COMMIT goes out right behind the writes still unanswered (the outbox rows among them).
      const committed = queryRunner.commitTransaction();
      const answers = await Promise.allSettled(unanswered);
      await committed;
      // A failed write had PostgreSQL answer that COMMIT with a rollback: nothing of the work is kept.
      const failed = answers.find((answer) => answer.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      published.push(...(await Promise.all(events)));
      return result;
    } catch (error) {
      if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction();
      // After a failed write every later statement fails too: the write's own error says what went wrong.
      throw (await firstRejection(unanswered)) ?? error;
    } finally {
      try {
        await queryRunner.release();
      } finally {
        for (const callback of tx.settled) callback();
      }
    }
  }

  private transaction(manager: EntityManager, connection: PgQueryable, written: Written): ActiveTransaction {
    return {
      manager,
      connection,
      settled: [],
      unanswered: written.unanswered,
      publish: async (event) => {
        if (this.eventWriter === undefined) throw new Error('no outbox is registered to publish events');
        await written.record(this.eventWriter.write(event));
      },
      lockKeys: async (keys) => {
        if (this.sqlite) return;
        // All sent before the first is granted (pipelining), so that a caller's reads sent behind this call
        // queue behind every lock, not just the first; PostgreSQL still takes them one after another, in order.
        await Promise.all(
          [...new Set(keys)]
            .sort()
            .map((key) =>
              this.prepared.onPostgres(connection, 'SELECT pg_advisory_xact_lock(hashtext($1))', [key]),
            ),
        );
      },
    };
  }

  /**
   * SQLite's turn on the writer (group commit). The turn runs `work` in a savepoint of the open batch
   * transaction, opening one when there is none. A batch is committed by a turn of its own that a new batch
   * schedules for the next turn of the event loop (or at once when it is full, MAX_BATCH): the requests that
   * arrive meanwhile join it, and one sync to disk commits them all. Each `run` still settles only once its
   * work is committed (or rolled back): a failed work rolls back to its savepoint alone, and a failed commit
   * fails every work of the batch.
   */
  private async takeTurn<T>(
    work: (tx: Transaction) => Promise<T>,
    durable: boolean,
  ): Promise<{ done: Promise<T> }> {
    // A work that need not be durable joins any batch; a durable one does not join a relaxed batch.
    if (this.batch !== undefined && durable && !this.batch.durable) await this.closeBatch();
    if (this.batch === undefined) {
      const batch = await this.openBatch(durable);
      this.batch = batch;
      setImmediate(
        () =>
          void this.sqliteWriter
            .run(() => this.closeBatch(batch))
            .catch((error: unknown) =>
              this.logger.error({
                msg: 'closing a SQLite batch failed',
                error: error instanceof Error ? error.message : String(error),
              }),
            ),
      );
    }
    const startedAt = performance.now();
    const member = await this.runMember(this.batch, work);
    this.batch.workMs += performance.now() - startedAt;
    if (
      this.batch.members.length >= MAX_BATCH ||
      this.batch.workMs >= BATCH_WORK_MS ||
      this.batch.broken !== undefined
    )
      await this.closeBatch();
    return { done: member.done };
  }

  private async openBatch(durable: boolean): Promise<Batch> {
    const queryRunner = this.dataSource.createQueryRunner();
    beginImmediately(queryRunner);
    await queryRunner.connect();
    this.reconcile(queryRunner);
    if (!durable) this.sqliteSynchronous('NORMAL');
    try {
      await queryRunner.startTransaction();
    } catch (error) {
      if (!durable) this.sqliteSynchronous(this.configuredSynchronous!);
      await queryRunner.release();
      throw error;
    }
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.settling = this.settling.then(() => settled);
    return { queryRunner, durable, members: [], workMs: 0, settle };
  }

  /**
   * No batch is open when one opens (the writer's turn is ours). A transaction SQLite still has open was left
   * by a failure (a ROLLBACK that failed): every later batch would nest in it and never commit, so it is rolled
   * back. And TypeORM's runner is told that none is open: SQLite ends one by itself on some errors (a full disk,
   * I/O), within it or at COMMIT, and the runner still counted it, so that every later BEGIN became a SAVEPOINT
   * inside a transaction that was never committed again (seen after a full disk: writes answered 201, none
   * kept, all lost at the next start).
   */
  private reconcile(queryRunner: QueryRunner): void {
    const db = this.sqliteDb();
    if (db.inTransaction) {
      this.logger.error({ msg: 'a failed write left a SQLite transaction open; rolling it back' });
      db.exec('ROLLBACK');
    }
    const state = queryRunner as unknown as { isTransactionActive: boolean; transactionDepth: number };
    state.isTransactionActive = false;
    state.transactionDepth = 0;
  }

  private async runMember<T>(batch: Batch, work: (tx: Transaction) => Promise<T>): Promise<Member<T>> {
    const db = this.sqliteDb();
    const member = new Member<T>();
    batch.members.push(member as Member<unknown>);
    const tx = this.transaction(batch.queryRunner.manager, db as unknown as PgQueryable, {
      record: async (stored) => {
        member.pending.push(await stored);
      },
    });
    member.settled = tx.settled;
    db.exec('SAVEPOINT batch_member');
    try {
      member.result = await this.current.run(tx, () => work(tx));
      db.exec('RELEASE batch_member');
    } catch (error) {
      member.failed(error);
      try {
        // SQLite rolls a whole transaction back on some errors (a full disk, I/O): the batch is then lost.
        if (db.inTransaction) db.exec('ROLLBACK TO batch_member; RELEASE batch_member');
        else batch.broken = error;
      } catch (undoFailed) {
        // The work's own writes could not be undone alone: the batch goes with them, rather than commit them
        // half-written with the others'.
        batch.broken = undoFailed;
      }
    }
    return member;
  }

  /** Commits the open batch (if it still is `only`) and settles each of its works. */
  private async closeBatch(only?: Batch): Promise<void> {
    const batch = this.batch;
    if (batch === undefined || (only !== undefined && batch !== only)) return;
    this.batch = undefined;
    const { queryRunner } = batch;
    let failure: { error: unknown } | undefined =
      batch.broken === undefined ? undefined : { error: batch.broken };
    try {
      if (failure === undefined) await queryRunner.commitTransaction();
    } catch (error) {
      failure = { error };
    }
    try {
      // SQLite may have rolled back by itself (the next batch puts the runner right, see reconcile).
      if (failure !== undefined && this.sqliteDb().inTransaction) await queryRunner.rollbackTransaction();
    } finally {
      try {
        if (!batch.durable) this.sqliteSynchronous(this.configuredSynchronous!);
        await queryRunner.release();
      } finally {
        // Settled whatever happened above, so that no caller (nor shutdown, see settled) waits for good.
        this.settleBatch(batch, failure);
      }
    }
  }

  /** Settles each work of a committed (`failure` undefined) or rolled back batch, announcing its events. */
  private settleBatch(batch: Batch, failure: { error: unknown } | undefined): void {
    try {
      for (const member of batch.members) {
        if (failure === undefined && member.ok && member.pending.length > 0) this.announce(member.pending);
        member.settle(failure);
        for (const callback of member.settled) callback();
      }
    } finally {
      batch.settle();
    }
  }

  private sqliteDb(): Database {
    return (this.dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
  }

  /** Sets the connection's `synchronous` (WAL: FULL syncs at each commit, NORMAL leaves it to the next FULL one). */
  private sqliteSynchronous(level: string | number): void {
    const db = this.sqliteDb();
    this.configuredSynchronous ??= db.pragma('synchronous', { simple: true }) as number;
    // Prepared once (two texts in all): every relaxed bookkeeping commit sets it and sets it back.
    this.prepared.onSqlite(db, `PRAGMA synchronous = ${level}`, []);
  }
}

export interface RunOptions {
  /**
   * false: the commit need not be on disk before `run` returns (SQLite: `synchronous = NORMAL` for this
   * commit, which the next durable commit syncs; PostgreSQL: `synchronous_commit = off`). A process crash
   * still loses nothing; a power loss may lose it. Only for writes whose loss repeats work that is safe to
   * repeat (marking outbox events handled: a lost mark re-emits to idempotent listeners), never for
   * anything a client was told is done.
   */
  durable?: boolean;
}

/** Where a transaction keeps what it wrote. */
interface Written {
  /** PostgreSQL: the statements the commit awaits; undefined on SQLite, where a write is done when it returns. */
  unanswered?: Promise<unknown>[];
  /** Takes a published event as the outbox writes it. */
  record(stored: Promise<StoredEvent>): Promise<void>;
}

/**
 * A sync that callers share: a call made while none runs starts one; calls made while one runs share the
 * next, which starts once it ends (it may have begun before their commits). So each call resolves once a
 * sync that began after it has finished, and at most one runs and one waits however many commits ask.
 */
class SharedSync {
  private running?: Promise<void>;
  private queued?: Promise<void>;

  constructor(private readonly sync: () => Promise<void>) {}

  request(): Promise<void> {
    if (this.running === undefined) return this.begin();
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.begin();
      });
    return this.queued;
  }

  private begin(): Promise<void> {
    const running = this.sync().finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }
}

/** How many works one SQLite commit takes at most: bounds how long the first of them waits for the sync. */
const MAX_BATCH = 64;
/**
 * How long the works of one SQLite commit run before it closes (checked after each: one long work may pass
 * it): the commit writes (and syncs) what they wrote while the event loop waits, up to 200 ms for a batch of
 * wide fan-outs.
 */
const BATCH_WORK_MS = 10;
/** How long the SQLite writer's turns hold the event loop before they let it come round. */
const LOOP_HELD_MS = 10;

interface Batch {
  queryRunner: QueryRunner;
  durable: boolean;
  members: Member<unknown>[];
  /** How long its works have run: what its commit writes grows with it (see `BATCH_WORK_MS`). */
  workMs: number;
  /** Set when an error rolled the whole transaction back: every work of the batch fails with it. */
  broken?: unknown;
  /** Called once every work of it has settled (see Transactions.settled). */
  settle: () => void;
}

/** One work of a batch: what it returned or threw, its events, and its caller's promise. */
class Member<T> {
  readonly pending: StoredEvent[] = [];
  /** Its transaction's `afterSettled` callbacks. */
  settled: (() => void)[] = [];
  result?: T;
  ok = true;
  private error: unknown;
  readonly done: Promise<T>;
  private resolve!: (value: T) => void;
  private reject!: (error: unknown) => void;

  constructor() {
    this.done = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Settled after the turn returned: the caller awaits it later, so an early rejection is not unhandled.
    this.done.catch(() => undefined);
  }

  failed(error: unknown): void {
    this.ok = false;
    this.error = error;
  }

  /** After the batch's commit (`failure` undefined) or its rollback. */
  settle(failure: { error: unknown } | undefined): void {
    if (!this.ok) this.reject(this.error);
    else if (failure !== undefined) this.reject(failure.error);
    else this.resolve(this.result as T);
  }
}

/** Awaited later (at commit, or after a failure): until then its rejection is not unhandled. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The error of the first of `promises` that failed, once all settled; undefined when none failed. */
async function firstRejection(promises: Promise<unknown>[]): Promise<unknown> {
  const settled = await Promise.allSettled(promises);
  return settled.find((result) => result.status === 'rejected')?.reason;
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
