import { applyDecorators, SetMetadata } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';

export const IS_PUBLIC = 'isPublic';

/** The key, in a Fastify route's `config`, that tells the `onRequest` auth hook the route is public. */
export const PUBLIC_ROUTE = 'public';

/** Whether a Fastify route's `config` marks it public (see `PUBLIC_ROUTE`). */
export function isPublicConfig(config: unknown): boolean {
  return (config as Record<string, unknown> | undefined)?.[PUBLIC_ROUTE] === true;
}

// @nestjs/swagger's metadata keys (its `DECORATORS` constant is not exported from the package root).
const SWAGGER_API_OPERATION = 'swagger/apiOperation';
const SWAGGER_API_SECURITY = 'swagger/apiSecurity';

/**
 * Documents the route with `security: []`, overriding the document's global `admin` requirement.
 * (`@ApiSecurity()` cannot express an empty list, and an empty method-level list is dropped by the
 * explorer, so a method's empty requirement goes in its operation object.)
 */
function NoApiSecurity(): MethodDecorator & ClassDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor) {
      const method = descriptor.value as object;
      const operation = Reflect.getMetadata(SWAGGER_API_OPERATION, method) as object | undefined;
      Reflect.defineMetadata(SWAGGER_API_OPERATION, { ...operation, security: [] }, method);
    } else {
      Reflect.defineMetadata(SWAGGER_API_SECURITY, [], target);
    }
  };
}

/**
 * Puts `{ public: true }` in the Fastify route config of the method, or of every method of the class,
 * which the Fastify adapter hands to `route()`: the `onRequest` hook reads it before any guard runs.
 */
function PublicRouteConfig(): MethodDecorator & ClassDecorator {
  const mark = (method: object): void => {
    const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, method) as object | undefined;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [PUBLIC_ROUTE]: true }, method);
  };
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor) {
      mark(descriptor.value as object);
      return;
    }
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const value = (Object.getOwnPropertyDescriptor(prototype, name) as PropertyDescriptor).value as unknown;
      if (name !== 'constructor' && typeof value === 'function') mark(value);
    }
  };
}

/** Marks a route (or controller) as reachable without the admin key, in the guard and in the OpenAPI document. */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), NoApiSecurity(), PublicRouteConfig());
