import { Param, PipeTransform } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

class PositiveIdPipe implements PipeTransform<string, number> {
  constructor(private readonly field: string) {}

  transform(value: string): number {
    if (!/^[1-9]\d{0,14}$/.test(value))
      throw DomainError.invalidField(this.field, 'must be a positive integer id');
    return Number(value);
  }
}

/** A positive integer path parameter; anything else is a 400 naming the parameter. */
export function IdParam(name = 'id'): ParameterDecorator {
  return Param(name, new PositiveIdPipe(name));
}
