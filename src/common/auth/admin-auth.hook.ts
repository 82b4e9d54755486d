import type { FastifyInstance } from 'fastify';
import { DomainError } from '../errors/domain-error';
import { ADMIN_KEY_REQUIRED, AdminCredentials } from './admin-credentials';
import { isPublicConfig, PUBLIC_ROUTE } from './public.decorator';

/**
 * Refuses an admin request without the key in Fastify's `onRequest` hook: before the body is read, so an
 * unauthenticated client cannot make the service receive and parse up to 1 MB per request. A route is
 * public when its Fastify config says so (`@Public()` puts it there, `markPublic` for routes Nest does not
 * own); an unknown route is a 404 for everyone, also answered before its body is read. `AdminAuthGuard` repeats the check per handler.
 */
export function authenticateOnRequest(fastify: FastifyInstance, credentials: AdminCredentials): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.is404) {
      // Answered here, before the body is read, like a refused key: nobody's body is parsed for nothing.
      done(new DomainError('route_not_found', `Cannot ${request.method} ${request.url.split('?')[0]}`));
      return;
    }
    if (isPublicConfig(request.routeOptions.config) || credentials.accepts(request.headers.authorization)) {
      done();
      return;
    }
    done(new DomainError('unauthorized', ADMIN_KEY_REQUIRED));
  });
}

/** Marks the routes registered from now on whose path `isPublic` accepts as public (Swagger UI, for one). */
export function markPublic(fastify: FastifyInstance, isPublic: (url: string) => boolean): void {
  fastify.addHook('onRoute', (route) => {
    if (isPublic(route.url)) route.config = { ...route.config, [PUBLIC_ROUTE]: true };
  });
}
