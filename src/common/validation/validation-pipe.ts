import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, FieldError } from '../errors/domain-error';

/** Flattens class-validator's tree into `customer_fields[0].label`-style field paths. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field =
      parent === ''
        ? error.property
        : /^\d+$/.test(error.property)
          ? `${parent}[${error.property}]`
          : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: ownMessage(message, error.property),
    }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

function ownMessage(message: string, property: string): string {
  if (message === `property ${property} should not exist`) return 'is not a known field';
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/**
 * Leaves path parameters as they were sent. Global pipes run before a parameter's own pipe, and the
 * stock pipe turns a `number` parameter into `+value`, so `0x1`, `1e0`, `01` and ` 1` would all reach
 * `IdParam` as 1: the parameter's own pipe decides what an id is (see common/http/id-param.ts).
 */
class AppValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = fieldErrors(errors);
      const summary = details.map((detail) => `${detail.field} ${detail.message}`).join('; ');
      return new DomainError('validation_failed', `Invalid request: ${summary}`, details);
    },
  });
}
