import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppConfig } from '../../config/app-config';
import type { AttemptResult } from './retry-policy';
import type { SendDone, SenderThreadConfig, SendJob } from './sender-thread';
import type { WebhookEndpoint, WebhookMessage } from './webhook-sender';

/**
 * Sends webhooks on a thread of their own (`sender-thread`), where a `WebhookSender` posts them through the
 * thread's `HttpService`. On the event loop, a delivery's HTTP request (axios, undici, the socket, signing,
 * reading the answer) cost more than the rest of it, its claim and the writing of its outcome, together: on
 * the thread it takes a second core, and bookings no longer wait behind it. What is sent, and how, is the
 * `WebhookSender`'s as before; this only carries jobs there and results back, a turn's worth in one message.
 *
 * The thread starts with the first send (or `start`); should it die, the attempts it held fail (and are
 * retried by the schedule) and the next send starts another.
 */
@Injectable()
export class ThreadedSender implements OnApplicationShutdown {
  private readonly logger = new Logger(ThreadedSender.name);
  private thread?: Worker;
  private stopping = false;
  private lastJob = 0;
  private readonly waiting = new Map<number, (result: AttemptResult) => void>();
  private queued: SendJob[] = [];

  constructor(private readonly config: AppConfig) {}

  /** Starts the thread ahead of the first send, so that it does not wait for the thread to load. */
  start(): void {
    this.ensureThread();
  }

  /** Posts one signed message and reports what came back. Never throws: failures are results too. */
  send(endpoint: WebhookEndpoint, message: WebhookMessage): Promise<AttemptResult> {
    return new Promise((resolve) => {
      const job = ++this.lastJob;
      this.waiting.set(job, resolve);
      // The jobs of one turn (a claimed batch) go in one message.
      if (this.queued.length === 0) queueMicrotask(() => this.flush());
      this.queued.push({ job, endpoint, message });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // Attempts still out were handed back by the pump's shutdown; their results would be written nowhere.
    await this.thread?.terminate();
  }

  private flush(): void {
    const jobs = this.queued;
    this.queued = [];
    if (this.stopping) return;
    this.ensureThread().postMessage(jobs);
  }

  private ensureThread(): Worker {
    if (this.thread !== undefined) return this.thread;
    const config: SenderThreadConfig = {
      webhookAllowPrivateUrls: this.config.webhookAllowPrivateUrls,
      webhookConcurrency: this.config.webhookConcurrency,
      webhookTimeoutMs: this.config.webhookTimeoutMs,
    };
    const { file, execArgv } = threadEntry();
    const thread = new Worker(file, { workerData: config, execArgv });
    thread.on('message', (results: SendDone[]) => {
      for (const { job, result } of results) {
        const resolve = this.waiting.get(job);
        this.waiting.delete(job);
        resolve?.(result);
      }
    });
    thread.on('error', (error: Error) =>
      this.logger.error({ msg: 'webhook sender thread failed', error: error.message }),
    );
    thread.on('exit', (code) => {
      this.thread = undefined;
      if (this.stopping) return;
      this.logger.error({ msg: 'webhook sender thread stopped', code });
      this.failWaiting(`the webhook sender thread stopped (exit code ${code})`);
    });
    // Not a reason for the process to stay up: the service's own handles are.
    thread.unref();
    this.thread = thread;
    return thread;
  }

  private failWaiting(error: string): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    const now = Date.now();
    for (const resolve of waiting) {
      resolve({
        started_at: now,
        duration_ms: 0,
        status_code: null,
        error,
        response_body: null,
        retry_after: null,
      });
    }
  }
}

/**
 * The thread's script, and how to run it: beside this file once compiled (dist/src, or the bundle's own
 * sender-thread.js in dist/bundle); from TypeScript through ts-node where the service itself runs from it
 * (tests, `start:dev`).
 */
function threadEntry(): { file: string; execArgv?: string[] } {
  if (!__filename.endsWith('.ts')) return { file: join(__dirname, 'sender-thread.js') };
  return {
    file: join(__dirname, 'sender-thread.ts'),
    execArgv: [...process.execArgv, '--require', 'ts-node/register/transpile-only'],
  };
}
