import FindMyWay, { type HTTPVersion, type Instance } from 'find-my-way';
import type { FastifyInstance } from 'fastify';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

/**
 * The methods each path takes, from the routes as Fastify registers them (Nest's and Swagger UI's): a request
 * Fastify finds no route for is then `405 method_not_allowed` with `Allow` when its path takes other methods
 * (RFC 9110 §15.5.6: `PUT /api/v1/webhooks/1` where the route is PATCH), and `404 route_not_found` when it
 * takes none. A router of its own (find-my-way, as Fastify's, with its options), asked only for requests
 * Fastify found nothing for.
 */
export class AllowedMethods {
  private readonly router: Instance<HTTPVersion.V1>;

  /** Records the routes `fastify` registers from now on. */
  constructor(fastify: FastifyInstance) {
    const {
      caseSensitive,
      ignoreTrailingSlash,
      ignoreDuplicateSlashes,
      maxParamLength,
      useSemicolonDelimiter,
    } = { ...fastify.initialConfig, ...fastify.initialConfig.routerOptions };
    const router = (this.router = FindMyWay({
      caseSensitive,
      ignoreTrailingSlash,
      ignoreDuplicateSlashes,
      maxParamLength,
      // Read by find-my-way as by Fastify, though its types leave it out.
      ...({ useSemicolonDelimiter } as object),
    }));
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (!METHODS.includes(method as Method)) continue;
        // Registered once per method and path (Fastify adds HEAD beside GET; a prefix may repeat a path).
        if (router.hasRoute(method as Method, route.url)) continue;
        router.on(method as Method, route.url, () => undefined);
      }
    });
  }

  /** The methods `path` (without its query) takes, HEAD wherever GET is; empty when it is no route's. */
  of(path: string): Method[] {
    // `*` (the asterisk form) is no route's; nor is a path whose parameter would be empty (`/api/v1/webhooks/`:
    // Nest's adapter sends those to the not-found handler whatever the method).
    if (!path.startsWith('/')) return [];
    const found = METHODS.filter((method) => {
      const match = this.router.find(method, path);
      return match !== null && !Object.values(match.params).some((value) => value === '');
    });
    if (found.includes('GET') && !found.includes('HEAD')) found.splice(1, 0, 'HEAD');
    return found;
  }
}
