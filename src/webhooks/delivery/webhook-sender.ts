import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import type { AxiosResponse } from 'axios';
import type { Readable } from 'node:stream';
import { name as productName, version as productVersion } from '../../../package.json';
import { AppConfig } from '../../config/app-config';
import type { AttemptResult } from './retry-policy';
import { discard, isUndecodable } from './undici-adapter';
import { assertUrlAllowed } from './url-guard';
import { WebhookSigner } from './webhook-signer';

export interface WebhookMessage {
  /** The delivery id: it becomes the `webhook-id`, the same on every attempt so that receivers can dedupe. */
  id: number;
  payload: string;
}

export interface WebhookEndpoint {
  url: string;
  /** Each one signs the message; the receiver accepts any that matches (secret rotation). */
  secrets: string[];
}

export const USER_AGENT = `${productName}/${productVersion}`;

/** What the delivery log keeps of an answer; the rest is never read, however large the answer is. */
const RESPONSE_BODY_BYTES = 4096;

/**
 * The first `limit` bytes of a response, as text, then the stream is dropped. A receiver that answers 2xx with
 * a large body has still accepted the delivery; reading all of it would only cost memory. Read with events,
 * not `for await`: an async iterator per answer cost more than the rest of reading a short one.
 */
function readPrefix(stream: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      stream.off('data', onData).off('end', finish).off('error', finish).off('close', onClose);
      discard(stream);
      if (error) reject(error);
      else resolve(storable(Buffer.concat(chunks).subarray(0, limit).toString('utf8')));
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      chunks.push(buffer);
      size += buffer.length;
      if (size >= limit) finish();
    };
    // Closed before its end (the attempt's deadline destroyed it, the receiver cut it): a failure.
    const onClose = () =>
      finish(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    if (stream.destroyed) return onClose();
    stream.on('data', onData).once('end', finish).once('error', finish).once('close', onClose);
  });
}

/**
 * The answer's text as the delivery log can hold it on either database: a NUL (U+0000), which PostgreSQL's
 * text refuses, becomes U+FFFD as undecodable bytes do. Refused, it failed the write of every outcome recorded
 * with it: those deliveries stayed leased, were sent again when their leases ran out, and failed to record
 * again, without end.
 */
function storable(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

export function webhookMessageId(deliveryId: number): string {
  return `msg_${deliveryId}`;
}

/** Posts one signed message and reports what came back. Never throws: failures are results too. */
@Injectable()
export class WebhookSender {
  private readonly signers = new Map<string, WebhookSigner>();
  /** URLs `assertAllowed` passed. */
  private readonly allowedUrls = new Set<string>();

  constructor(
    private readonly http: HttpService,
    private readonly config: AppConfig,
  ) {}

  async send(endpoint: WebhookEndpoint, message: WebhookMessage): Promise<AttemptResult> {
    const startedAt = Date.now();
    const failed = (error: string): AttemptResult => ({
      started_at: startedAt,
      duration_ms: Date.now() - startedAt,
      status_code: null,
      error: storable(error),
      response_body: null,
      retry_after: null,
    });
    if (!this.allowedUrls.has(endpoint.url)) {
      try {
        await this.assertAllowed(endpoint.url);
      } catch (error) {
        return failed((error as Error).message);
      }
    }
    const id = webhookMessageId(message.id);
    const timestamp = new Date(startedAt);
    const body = Buffer.from(message.payload);
    const signature = endpoint.secrets
      .map((secret) => this.signer(secret).sign(id, timestamp, body))
      .join(' ');
    // One deadline covers the whole attempt, connect and the answer's body included (a socket timeout would not
    // bound a receiver that trickles its answer; the HttpService sets none). A timer cleared at the end rather
    // than AbortSignal.timeout, whose timer outlives the attempt by the whole timeout (thousands of live timers
    // at full speed, and more CPU per attempt).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.config.webhookTimeoutMs);
    try {
      // `request`, not `post`: axios' `post` merges its arguments into a config first, then merges that again
      // with the instance's defaults.
      const response = await this.http.axiosRef.request<Readable>({
        method: 'post',
        url: endpoint.url,
        data: body,
        headers: {
          // Spelt as axios' per-method defaults spelt it on the wire before they were cut: some receivers look
          // names up as sent, case and all (PHP's getallheaders() under Apache).
          'Content-Type': 'application/json; charset=utf-8',
          'user-agent': USER_AGENT,
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(startedAt / 1000)),
          'webhook-signature': signature,
        },
        signal: deadline.signal,
      });
      return await this.answer(response, startedAt, deadline.signal);
    } catch (error) {
      // Past the deadline, whatever broke (the request, or the answer's stream cut mid-body) is the timeout.
      return failed(deadline.signal.aborted ? this.timedOut() : this.describe(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** What an answer came to: its status, the first 4 KB of its body, its Retry-After. */
  private async answer(
    response: AxiosResponse<Readable>,
    startedAt: number,
    deadline: AbortSignal,
  ): Promise<AttemptResult> {
    // Sent twice, a header comes as a list: the first counts (as node:http kept it).
    const retryAfter: unknown = [response.headers['retry-after']].flat()[0];
    const answered = (error: string | null, body: string | null): AttemptResult => ({
      started_at: startedAt,
      duration_ms: Date.now() - startedAt,
      status_code: response.status,
      error,
      response_body: body,
      retry_after: typeof retryAfter === 'string' ? retryAfter : null,
    });
    let body: string;
    try {
      body = await readPrefix(response.data, RESPONSE_BODY_BYTES);
    } catch (error) {
      // A body that does not decode as its content-encoding says is still the receiver's answer, its status the
      // outcome: a 2xx with a mislabelled body was accepted, and sending it again would not change that.
      if (!deadline.aborted && isUndecodable(error))
        return answered(`the answer's body could not be decoded: ${storable(this.describe(error))}`, null);
      throw error;
    }
    return answered(null, body === '' ? null : body);
  }

  /**
   * Names are checked by the guarded dispatcher at connect time, on the address actually used; IP literals never
   * reach a lookup, so they are checked here.
   */
  private async assertAllowed(url: string): Promise<void> {
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) await assertUrlAllowed(url, { allowPrivate: this.config.webhookAllowPrivateUrls });
    // The verdict on a URL does not change: a URL passed is not parsed again for each of its deliveries.
    if (this.allowedUrls.size >= 1000) this.allowedUrls.clear();
    this.allowedUrls.add(url);
  }

  private signer(secret: string): WebhookSigner {
    let signer = this.signers.get(secret);
    if (!signer) {
      if (this.signers.size > 1000) this.signers.clear();
      signer = new WebhookSigner(secret);
      this.signers.set(secret, signer);
    }
    return signer;
  }

  private timedOut(): string {
    return `timeout after ${this.config.webhookTimeoutMs} ms`;
  }

  private describe(error: unknown): string {
    const { code, message } = error as { code?: string; message?: string };
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') return this.timedOut();
    const text = message ?? String(error);
    return code && !text.includes(code) ? `${code}: ${text}` : text;
  }
}
