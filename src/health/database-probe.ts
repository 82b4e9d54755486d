import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, DatabaseError } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { isPostgres } from '../database/dialect';

/** How the probe's connection shows up in `pg_stat_activity`. */
export const PROBE_APPLICATION_NAME = 'booking-health-probe';
/** How long `/health` waits for the database, connecting included, before it answers that it is down. */
export const PROBE_TIMEOUT_MS = 2_000;
/** How long the server runs the probe's statement: ended by the server, its connection is not left behind. */
const PROBE_STATEMENT_TIMEOUT_MS = PROBE_TIMEOUT_MS - 250;

/** The probe's connection: the client, and its connect (settled once it can take queries). */
interface Connection {
  client: Client;
  ready: Promise<unknown>;
}

/**
 * Reads what `/health` asks of the database. On PostgreSQL on a connection of its own, outside the pool: under
 * load every pooled connection is taken by bookings, and a check that queued behind them took 240–310 ms at 32
 * booking connections (an orchestrator with a short probe timeout would have taken a busy instance for a dead
 * one). The read is bounded by PROBE_TIMEOUT_MS; a connection that did not answer in time is dropped, and the
 * next read opens a new one. On SQLite there is no pool to wait for: the service's own connection answers.
 */
@Injectable()
export class DatabaseProbe implements BeforeApplicationShutdown {
  private connection?: Connection;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.drop(this.connection);
  }

  /** The rows of `sql` (a statement without parameters); rejects if the database does not answer in time. */
  async read<T>(sql: string): Promise<T[]> {
    if (!isPostgres(this.config.database)) return this.dataSource.query<T[]>(sql);
    // The probe's connection answering says nothing of the pool the service works with, closed or not.
    if (this.stopping || !this.dataSource.isInitialized) throw new Error('the database connection is closed');
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(new Error(`the database did not answer within ${PROBE_TIMEOUT_MS} ms`));
      }, PROBE_TIMEOUT_MS);
    });
    try {
      const read = this.readOn<T>(this.connect(), sql).catch((error: unknown) => {
        // A connection that broke (its backend ended, the server restarted) says nothing of the database: once
        // more, on a new one, if that read's statement is still ended by the server within the bound. Not once
        // the check has answered, nor while the service stops, nor for a refusal the server gave.
        const inTime = Date.now() - started <= PROBE_TIMEOUT_MS - PROBE_STATEMENT_TIMEOUT_MS;
        if (expired || this.stopping || !inTime || !isBrokenConnection(error)) throw error;
        return this.readOn<T>(this.connect(), sql);
      });
      return await Promise.race([read, deadline]);
    } catch (error) {
      // Whatever it was doing (connecting, a query stuck behind a lock), it is not trusted again: the next read
      // opens a new connection.
      void this.drop(this.connection);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The rows of `sql` on `connection`; failing, the connection is dropped. */
  private async readOn<T>(connection: Connection, sql: string): Promise<T[]> {
    try {
      await connection.ready;
      return (await connection.client.query(sql)).rows as T[];
    } catch (error) {
      void this.drop(connection);
      throw error;
    }
  }

  private connect(): Connection {
    if (this.stopping) throw new Error('the service is stopping');
    if (this.connection) return this.connection;
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: PROBE_APPLICATION_NAME,
      keepAlive: true,
      // The server ends a read stuck behind a lock itself, before the bound: closing the socket alone left each
      // such read's backend waiting on its lock, a connection of the server's per check until the lock went.
      statement_timeout: PROBE_STATEMENT_TIMEOUT_MS,
    });
    const connection = { client, ready: client.connect() };
    // Failures are the reads' to report; an error while idle (the server restarted) drops the connection
    // rather than being an uncaught 'error' event.
    connection.ready.catch(() => undefined);
    client.on('error', () => void this.drop(connection));
    this.connection = connection;
    return connection;
  }

  /** Closes `connection` (forcibly if it is connecting or a query hangs), unless a newer one replaced it. */
  private async drop(connection: Connection | undefined): Promise<void> {
    if (connection === undefined || this.connection !== connection) return;
    this.connection = undefined;
    await connection.client.end().catch(() => undefined);
  }
}

/**
 * Whether a read failed because its connection broke: a socket's error, or the server's word that it ends the
 * connection (`57P01`–`57P03`: terminated, shutting down, cannot connect now; class `08`: connection exceptions).
 * A refusal of the statement or of the login (a wrong password, too many clients) would only be given again.
 */
function isBrokenConnection(error: unknown): boolean {
  if (!(error instanceof DatabaseError)) return true;
  return /^(08|57P0[123])/.test(error.code ?? '');
}
