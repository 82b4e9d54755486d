import { applyDecorators, SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'isPublic';

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

/** Marks a route (or controller) as reachable without the admin key, in the guard and in the OpenAPI document. */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), NoApiSecurity());
