import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error';
import { AllowedMethods } from '../http/allowed-methods';
import { ADMIN_KEY_REQUIRED, AdminCredentials } from './admin-credentials';
import { isPublicConfig, PUBLIC_ROUTE } from './public.decorator';

/**
 * Refuses an admin request without the key in Fastify's `onRequest` hook: before the body is read, so an
 * unauthenticated client cannot make the service receive and parse up to 1 MB per request. A route is
 * public when its Fastify config says so (`@Public()` puts it there, `markPublic` for routes Nest does not
 * own); an unknown route is a 404 (or a 405, see `unrouted`) for everyone, also answered before its body is read.
 * `AdminAuthGuard` repeats the check per handler.
 */
export function authenticateOnRequest(
  fastify: FastifyInstance,
  credentials: AdminCredentials,
  allowed: AllowedMethods,
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    // A path whose parameter would be empty (`/api/v1/webhooks/`) is routed to `/:id`, but is no route's.
    if (request.is404 || Object.values(request.params as object).includes('')) {
      // Answered here, before the body is read, like a refused key: nobody's body is parsed for nothing.
      const refusal = unrouted(request, reply, allowed);
      if (refusal === undefined) return; // answered
      done(refusal);
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

const READS = new Set(['GET', 'HEAD']);

/** A URL's path, and its query with its `?` (or ''). */
function splitUrl(url: string): [string, string] {
  const mark = url.indexOf('?');
  return mark === -1 ? [url, ''] : [url.slice(0, mark), url.slice(mark)];
}

/**
 * A request no route takes. Its path taking other methods, it is a 405 with `Allow` (an OPTIONS request is
 * answered 204 with `Allow`, and undefined comes back); a read of a path with a slash too many at its end, a
 * 308 to the path without (undefined too); otherwise a 404.
 */
function unrouted(
  request: FastifyRequest,
  reply: FastifyReply,
  allowed: AllowedMethods,
): DomainError | undefined {
  const [path, query] = splitUrl(request.url);
  const methods = allowed.of(path);
  if (methods.length === 0) {
    // A link with a slash added at its end (email clients and editors add one): the page or resource without it.
    // Never to a path starting `//`, which a browser reads as another host.
    const trimmed = path.replace(/\/+$/, '');
    const local = trimmed.startsWith('/') && !trimmed.startsWith('//');
    if (READS.has(request.method) && local && trimmed !== path && allowed.of(trimmed).includes('GET')) {
      void reply
        .code(308)
        .header('location', trimmed + query)
        .send();
      return undefined;
    }
    return new DomainError('route_not_found', `Cannot ${request.method} ${path}`);
  }
  const allow = [...methods, ...(methods.includes('OPTIONS') ? [] : ['OPTIONS'])].join(', ');
  void reply.header('allow', allow);
  if (request.method === 'OPTIONS') {
    void reply.code(204).send();
    return undefined;
  }
  return new DomainError(
    'method_not_allowed',
    `${request.method} is not allowed on ${path}; it takes ${methods.join(', ')}`,
  );
}
