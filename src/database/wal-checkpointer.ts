import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Database } from 'better-sqlite3';
import { openSync, read, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { sqliteFile } from './sqlite-file';

/** How often the WAL's size is looked at. */
const CHECK_MS = 100;
/** Pages written to the WAL and not yet checkpointed past which a checkpoint runs: SQLite's own default. */
const CHECKPOINT_PAGES = 1000;
/** The WAL file's size past which a checkpoint also truncates it (see WORKER_SOURCE). */
export const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
/** How long that checkpoint waits for the writer to be free (the batch open on the service's connection). */
const TRUNCATE_WAIT_MS = 250;

/**
 * The worker's code: its own connection to the file, which copies the WAL back into the database on request
 * (PASSIVE: it waits for no reader and blocks no writer) and syncs as the service's connection is set to.
 *
 * SQLite starts the WAL over from its beginning only when a write begins while every frame is copied back;
 * under writes that never pause that moment never comes, and the file grows for as long as they last
 * (hundreds of MB in a minute of wide fan-outs, with SQLite's own checkpoints as with these). Past
 * `limit` bytes the worker therefore asks for a TRUNCATE checkpoint: it waits (up to `truncateWaitMs`) for the
 * writer to be free, then holds writes back while it copies the few frames the PASSIVE one left and empties
 * the file (milliseconds, once per `limit` written); busy after that wait, it is tried again next time.
 */
const WORKER_SOURCE = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 0 });
db.pragma('synchronous = ' + workerData.synchronous);
const walSize = () => { try { return statSync(workerData.path + '-wal').size; } catch { return 0; } };
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    process.exit(0);
  }
  try {
    let result = db.pragma('wal_checkpoint(PASSIVE)')[0];
    if (walSize() > workerData.limit) {
      db.pragma('busy_timeout = ' + workerData.truncateWaitMs);
      try {
        const truncated = db.pragma('wal_checkpoint(TRUNCATE)')[0];
        if (truncated.busy === 0) result = truncated;
      } finally {
        db.pragma('busy_timeout = 0');
      }
    }
    parentPort.postMessage({ result });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * SQLite checkpoints (copying the WAL back into the database file, and syncing it) off the event loop. By
 * default SQLite runs one inside the commit that takes the WAL past 1,000 pages, on the committing thread:
 * with better-sqlite3 that is the event loop, stalled for tens of milliseconds while the request that
 * happened to commit, and every request behind it, waits. Here the service's connection never checkpoints
 * (`wal_autocheckpoint = 0`); a worker thread with its own connection does, once the WAL passes the same
 * size. Should the worker fail, the connection checkpoints for itself again.
 */
@Injectable()
export class WalCheckpointer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WalCheckpointer.name);
  private timer?: NodeJS.Timeout;
  private worker?: Worker;
  /** The checkpoint asked of the worker and not yet answered. */
  private running?: Promise<CheckpointResult>;
  private answer?: { resolve: (result: CheckpointResult) => void; reject: (error: Error) => void };
  /** Checkpoints the worker completed (for the tests). */
  completed = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * The database file as the service's connection has it open: a symlink's target, beside which SQLite keeps
   * the WAL and its index (a path built from the configured one found no index, and nothing was checkpointed).
   */
  private get path(): string | undefined {
    return this.config.database.type === 'sqlite' ? sqliteFile(this.connection()) : undefined;
  }

  onApplicationBootstrap(): void {
    if (this.path === undefined) return;
    this.connection().pragma('wal_autocheckpoint = 0');
    this.timer = setInterval(() => void this.check(), CHECK_MS).unref();
  }

  /** Before the service's connection closes: the worker closes its own connection and ends. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    const worker = this.worker;
    if (worker === undefined) return;
    await new Promise((resolve) => {
      worker.once('exit', resolve);
      worker.postMessage('close');
    });
  }

  /** Checkpoints once the WAL holds enough pages not yet copied back (one checkpoint at a time). */
  private async check(): Promise<void> {
    if (this.running !== undefined || this.timer === undefined) return;
    const pages = await uncheckpointedPages(this.path!);
    // Shutdown may have begun during the read: no worker may start once it has.
    if (pages < CHECKPOINT_PAGES || this.running !== undefined || this.timer === undefined) return;
    // A failure is dealt with by `checkpoint` (fallBack).
    await this.checkpoint().catch(() => undefined);
  }

  /**
   * Asks the worker (started on first need) for one PASSIVE checkpoint. Should the worker fail, the service's
   * connection checkpoints for itself from then on (fallBack).
   */
  checkpoint(): Promise<CheckpointResult> {
    this.running ??= new Promise<CheckpointResult>((resolve, reject) => {
      this.answer = { resolve, reject };
      this.started().postMessage('checkpoint');
    })
      .catch((error: unknown) => {
        this.fallBack(error);
        throw error;
      })
      .finally(() => {
        this.running = undefined;
        this.answer = undefined;
      });
    return this.running;
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        path: this.path,
        synchronous: this.synchronous(),
        limit: WAL_LIMIT_BYTES,
        truncateWaitMs: TRUNCATE_WAIT_MS,
      },
    });
    worker.unref();
    worker.on('message', (message: { result?: CheckpointResult; error?: string }) => {
      if (message.result !== undefined) {
        this.completed += 1;
        this.answer?.resolve(message.result);
      } else this.answer?.reject(new Error(message.error));
    });
    worker.on('error', (error: Error) => this.answer?.reject(error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.answer?.reject(new Error(`the checkpoint worker exited (${code})`));
    });
    this.worker = worker;
    return worker;
  }

  /** The worker failed: the service's connection checkpoints for itself again, as SQLite does by default. */
  private fallBack(error: unknown): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    void this.worker?.terminate();
    this.connection().pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    this.logger.error({
      msg: 'the WAL checkpoint worker failed; checkpoints run on the service connection again',
      error: error instanceof Error ? error.message : String(error),
    });
  }

  private synchronous(): 'NORMAL' | 'FULL' {
    const { database } = this.config;
    return database.type === 'sqlite' && database.synchronous === 'normal' ? 'NORMAL' : 'FULL';
  }

  private connection(): Database {
    return (this.dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
  }
}

/**
 * The `-shm` files read by `uncheckpointedPages`, each opened once and never closed while the process lives:
 * closing any descriptor of a file releases every POSIX lock the process holds on it, SQLite's own included.
 * Its shared lock on the `-shm` gone, another process opening the database (a second instance, the migration
 * CLI, the sqlite3 shell) takes itself for the first, truncates the `-shm` and rebuilds it; this process then
 * faults (SIGBUS) on its mapping of the file, which Node's handler retries forever: the service hangs at 100% CPU.
 */
const shmFiles = new Map<string, { ino: number; fd: number }>();

function shmDescriptor(path: string): number | undefined {
  const shm = `${path}-shm`;
  let ino: number;
  try {
    ino = statSync(shm).ino;
  } catch {
    return undefined;
  }
  const known = shmFiles.get(shm);
  // Another file at that path (a database deleted and made again): the old descriptor is left open, closed at exit.
  if (known !== undefined && known.ino === ino) return known.fd;
  try {
    const fd = openSync(shm, 'r');
    shmFiles.set(shm, { ino, fd });
    return fd;
  } catch {
    return undefined;
  }
}

/**
 * Pages in the WAL not yet copied back into the database, read from the WAL index (the `-shm` file, see
 * https://www.sqlite.org/walformat.html): its header's `mxFrame` (the last valid frame, at byte 16) less the
 * checkpoint's `nBackfill` (frames copied back, at byte 96), both in the machine's byte order. Read on libuv's
 * threads through a descriptor kept open (see `shmFiles`); SQLite keeps the file mapped, so the read sees its state.
 */
export async function uncheckpointedPages(path: string): Promise<number> {
  const fd = shmDescriptor(path);
  if (fd === undefined) return 0;
  const buffer = Buffer.alloc(100);
  const bytesRead = await new Promise<number>((resolve) =>
    read(fd, buffer, 0, 100, 0, (error, count) => resolve(error ? 0 : count)),
  );
  if (bytesRead < 100) return 0;
  const word = (offset: number) =>
    endianness() === 'LE' ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset);
  return Math.max(0, word(16) - word(96));
}
