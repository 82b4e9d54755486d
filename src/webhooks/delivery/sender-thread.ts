import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import type { AppConfig } from '../../config/app-config';
import type { AttemptResult } from './retry-policy';
import { webhookHttpService } from './webhook-http';
import { WebhookSender, type WebhookEndpoint, type WebhookMessage } from './webhook-sender';

/** What the thread needs of the configuration (the rest stays on the main thread). */
export type SenderThreadConfig = Pick<
  AppConfig,
  'webhookAllowPrivateUrls' | 'webhookConcurrency' | 'webhookTimeoutMs'
>;

/** One attempt the main thread asks for. */
export interface SendJob {
  job: number;
  endpoint: WebhookEndpoint;
  message: WebhookMessage;
}

/** What it came to. */
export interface SendDone {
  job: number;
  result: AttemptResult;
}

/**
 * The webhook sender's thread (see `ThreadedSender`): it posts each attempt it is given through its own
 * `HttpService` (`webhookHttpService`: axios on the SSRF-guarded undici agent) with a `WebhookSender`, and
 * answers what each came to. Jobs come and results go in batches, one message for all of a turn's.
 */
function serve(port: NonNullable<typeof parentPort>, config: SenderThreadConfig): void {
  const sender = new WebhookSender(webhookHttpService(config as AppConfig), config as AppConfig);
  let done: SendDone[] = [];
  const flush = () => {
    port.postMessage(done);
    done = [];
  };
  port.on('message', (jobs: SendJob[]) => {
    for (const { job, endpoint, message } of jobs) {
      void sender.send(endpoint, message).then((result) => {
        if (done.length === 0) setImmediate(flush);
        done.push({ job, result });
      });
    }
  });
}

if (parentPort !== null) serve(parentPort, workerData as SenderThreadConfig);
