import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';
import { ADMIN_KEY_REQUIRED, AdminCredentials } from './admin-credentials';
import { IS_PUBLIC } from './public.decorator';

/**
 * Every route needs `Authorization: Bearer <ADMIN_API_KEY>` unless it is marked `@Public()`. The
 * `onRequest` hook (admin-auth.hook.ts) refuses a request before its body is read; this guard repeats the
 * check from the controller's own metadata, so a route the hook would wrongly let through still closes.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly credentials: AdminCredentials;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.credentials = new AdminCredentials(config.adminApiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    if (this.credentials.accepts(header)) return true;
    throw new DomainError('unauthorized', ADMIN_KEY_REQUIRED);
  }
}
