import { Param, PipeTransform } from '@nestjs/common';
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

/** A canonical positive integer path parameter (see canonical-id.ts); anything else is a 400 naming it. */
export function IdParam(name = 'id'): ParameterDecorator {
  return Param(name, new PositiveIdPipe(name));
}
