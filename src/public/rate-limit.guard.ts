import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain-error';
import type { AppConfig } from '../config/app-config';

export const WRITES = 'writes';

/** Every public request counts against its client IP's budget; POSTs against a second, smaller one too. */
export function rateLimits(config: AppConfig): ThrottlerModuleOptions {
  const ttl = config.publicRateLimitWindowSeconds * 1000;
  return {
    throttlers: [
      { name: 'default', ttl, limit: config.publicRateLimit },
      {
        name: WRITES,
        ttl,
        limit: config.publicRateLimitWrites,
        skipIf: (context) => context.switchToHttp().getRequest<FastifyRequest>().method !== 'POST',
      },
    ],
  };
}

/**
 * The throttler, keyed by client IP alone (one budget over every public route and page, not one per
 * route), answering 429 with `Retry-After` and the usual error body.
 */
@Injectable()
export class PublicRateLimitGuard extends ThrottlerGuard {
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `public:${throttlerName}:${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(retryAfter));
    return Promise.reject(new DomainError('rate_limited', `Too many requests; try again in ${retryAfter} s`));
  }
}
