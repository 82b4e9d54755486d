import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Client, Notification } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { isPostgres } from '../../database/dialect';
import { DeliveryPump } from './delivery-pump';

/** The PostgreSQL channel on which an instance tells the others that deliveries are due now. */
export const DELIVERIES_CHANNEL = 'booking_webhook_deliveries';
/** How the listening connection shows up in `pg_stat_activity`. */
export const LISTENER_APPLICATION_NAME = 'booking-webhook-listener';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Detects a listening connection that died silently (a dropped NAT entry, a failed-over server). */
const KEEPALIVE_DELAY_MS = 10_000;

/**
 * Wakes the delivery workers of every instance when deliveries fall due, so that a new delivery is sent
 * milliseconds after commit even when the instance that committed it runs no worker (`WEBHOOK_WORKER=false`).
 * On PostgreSQL each announcement is a `pg_notify` after commit, and each worker instance listens on a
 * dedicated connection of its own (a pooled one could be handed to other work or recycled, and would stop
 * listening). A lost notification only delays a delivery until the next poll. On SQLite there is one
 * instance, and the local kick is all there is.
 */
@Injectable()
export class DeliveryNotifications implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryNotifications.name);
  /** Sent as the payload, so that an instance skips what it announced (its own worker was already kicked). */
  private readonly instanceId = randomUUID();
  private stopping = false;
  private notifying?: Promise<void>;
  private notifyAgain = false;
  private listener?: Client;
  private listeningSince = 0;
  private failures = 0;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(
    private readonly pump: DeliveryPump,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Awaited, so that an instance is listening by the time it serves (or reports itself ready).
    if (this.config.webhookWorker && isPostgres(this.config.database)) await this.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    // The announcement in flight uses a pooled connection, which closes after this hook.
    await this.notifying;
  }

  /** Deliveries were committed or became due: this instance's worker and every other one look now. */
  announce(): void {
    this.pump.kick();
    if (isPostgres(this.config.database)) this.notifyOthers();
  }

  private notifyOthers(): void {
    if (this.stopping) return;
    // Announcements made while one is on its way go out together in the next one.
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = this.dataSource
      .query('SELECT pg_notify($1, $2)', [DELIVERIES_CHANNEL, this.instanceId])
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.warn({
            msg: 'announcing new webhook deliveries failed; other instances send them on their next poll',
            error: describe(error),
          }),
      )
      .finally(() => {
        this.notifying = undefined;
        if (this.notifyAgain) {
          this.notifyAgain = false;
          this.notifyOthers();
        }
      });
  }

  private async listen(): Promise<void> {
    const listener = new Client({
      connectionString: this.config.database.url,
      application_name: LISTENER_APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    });
    this.listener = listener;
    listener.on('notification', (notification: Notification) => {
      // Bursts need nothing more here: kicks that come together share one claim in the pump.
      if (notification.channel === DELIVERIES_CHANNEL && notification.payload !== this.instanceId) {
        this.pump.kick();
      }
    });
    listener.on('error', (error: Error) => this.lost(listener, error));
    listener.on('end', () => this.lost(listener, new Error('connection ended')));
    try {
      await listener.connect();
      await listener.query(`LISTEN ${DELIVERIES_CHANNEL}`);
    } catch (error) {
      this.lost(listener, error);
      return;
    }
    if (this.listener !== listener) return;
    this.listeningSince = Date.now();
    if (this.failures > 0) {
      this.logger.log({ msg: 'listening for new webhook deliveries again', after_failures: this.failures });
    }
    // Whatever was announced while nobody listened here.
    this.pump.kick();
  }

  /** The listening connection failed or closed: reconnect after a backoff that grows while it keeps failing. */
  private lost(listener: Client, error: unknown): void {
    if (this.listener !== listener) return;
    this.listener = undefined;
    void listener.end().catch(() => undefined);
    if (this.stopping) return;
    // A connection that held for a while was no failure of the previous attempts: start over with short waits.
    if (this.listeningSince > 0 && Date.now() - this.listeningSince >= RECONNECT_MAX_MS) this.failures = 0;
    this.listeningSince = 0;
    const backoff = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.failures);
    // Jitter, so that instances that lost the server together do not all come back in the same instant.
    const delay = Math.round(backoff * (0.8 + Math.random() * 0.4));
    this.failures += 1;
    this.logger.warn({
      msg: 'the connection listening for new webhook deliveries failed; the poll covers until it is back',
      error: describe(error),
      retry_in_ms: delay,
    });
    this.reconnectTimer = setTimeout(() => void this.listen(), delay);
    this.reconnectTimer.unref();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
