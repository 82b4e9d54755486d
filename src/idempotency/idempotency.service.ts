import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { IdempotencyRepository } from './idempotency.repository';
import { hashBody } from './request-hash';

/** How long a key answers with its first result. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const PRUNE_EVERY_MS = 3600 * 1000;

export interface IdempotentResult<T> {
  body: T;
  /** The status the first answer had. */
  status: number;
  /** True when this is the stored answer to an earlier request with the same key. */
  replayed: boolean;
}

/**
 * `Idempotency-Key` for requests that create something (a booking): the same key with the same body within
 * 24 h answers the first result and does nothing again; the same key with another body is refused. The key
 * is taken under a lock and stored in the transaction of the work itself, so a crash cannot leave a booking
 * without its key, and two requests racing with one key give one booking and one replay.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly keys: IdempotencyRepository,
    private readonly transactions: Transactions,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.prune().catch(() => undefined), PRUNE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Runs `work` once per (scope, key); without a key it simply runs it. `status` is what `work`'s success answers. */
  async run<T>(
    scope: string,
    key: string | undefined,
    requestBody: unknown,
    status: number,
    work: () => Promise<T>,
  ): Promise<IdempotentResult<T>> {
    if (key === undefined) return { body: await work(), status, replayed: false };
    if (!KEY_PATTERN.test(key)) {
      throw new DomainError(
        'idempotency_key_invalid',
        'the Idempotency-Key header must be 1 to 255 visible ASCII characters',
        [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
      );
    }
    const requestHash = hashBody(requestBody);
    try {
      return await this.transactions.run(async (tx) => {
        await tx.lockKeys([`idempotency:${scope}:${key}`]);
        const stored = await this.keys.find(scope, key);
        if (stored !== null && isFresh(stored)) return replay<T>(stored, requestHash);
        // A key past its window is free again; its old row would clash with the new one.
        if (stored !== null) await this.keys.delete(stored.id);
        const body = await work();
        await this.keys.insert({
          scope,
          key,
          request_hash: requestHash,
          status_code: status,
          response_body: JSON.stringify(body),
          created_at: Date.now(),
        });
        return { body, status, replayed: false };
      });
    } catch (error) {
      // Another instance stored the key first (SQLite serializes, PostgreSQL's lock makes this rare).
      if (!isUniqueViolation(error)) throw error;
      const earlier = await this.keys.find(scope, key);
      if (earlier === null || !isFresh(earlier)) throw error;
      return replay<T>(earlier, requestHash);
    }
  }

  /** Deletes keys past their window; also run hourly. */
  async prune(now = Date.now()): Promise<void> {
    await this.transactions.run(() => this.keys.deleteCreatedBefore(now - IDEMPOTENCY_WINDOW_MS));
  }
}

function isFresh(stored: IdempotencyKeyEntity, now = Date.now()): boolean {
  return stored.created_at > now - IDEMPOTENCY_WINDOW_MS;
}

function replay<T>(earlier: IdempotencyKeyEntity, requestHash: string): IdempotentResult<T> {
  if (earlier.request_hash !== requestHash) {
    throw new DomainError(
      'idempotency_key_reused',
      'this Idempotency-Key was used with another request body in the last 24 hours; use a new key',
    );
  }
  return { body: JSON.parse(earlier.response_body) as T, status: earlier.status_code, replayed: true };
}
