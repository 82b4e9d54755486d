import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { DomainError } from '../errors/domain-error';
import { MAX_ID, parseId } from './canonical-id';

class PositiveIdPipe implements PipeTransform<string, number> {
  constructor(private readonly field: string) {}

  transform(value: string): number {
    const id = parseId(value);
    if (id === undefined)
      throw DomainError.invalidField(this.field, `must be an integer id from 1 to ${MAX_ID}`);
    return id;
  }
}

/**
 * A canonical positive integer path parameter (see canonical-id.ts); anything else is a 400 naming it.
 * Documented with an example (1, the first row the README's walkthrough creates), so that Swagger UI's
 * "Try it out" runs as it stands instead of stopping at "Required field is not provided".
 */
export function IdParam(name = 'id'): ParameterDecorator {
  return documentedParam(
    Param(name, new PositiveIdPipe(name)),
    ApiParam({ name, schema: { type: 'integer', minimum: 1, maximum: MAX_ID, example: 1 } }),
  );
}

/** A path parameter decorator that also adds `doc` (a method decorator) to its operation. */
export function documentedParam(param: ParameterDecorator, doc: MethodDecorator): ParameterDecorator {
  return (target, key, index) => {
    param(target, key, index);
    if (key === undefined) return;
    const method = Object.getOwnPropertyDescriptor(target, key);
    if (method) doc(target, key, method);
  };
}
