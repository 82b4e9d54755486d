import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';
import { IS_PUBLIC } from './public.decorator';

/** Every route needs `Authorization: Bearer <ADMIN_API_KEY>` unless it is marked `@Public()`. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    if (!config.adminApiKey)
      throw new Error('AdminAuthGuard needs config.adminApiKey to be resolved at boot');
    this.expected = digest(config.adminApiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    // Comparing digests keeps the comparison constant-time whatever the presented key's length.
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    throw new DomainError(
      'unauthorized',
      'A valid admin API key is required: Authorization: Bearer <ADMIN_API_KEY>',
    );
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
