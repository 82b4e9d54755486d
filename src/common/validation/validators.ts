import { ValidateIf, ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';
import { isValidTimeZone } from './time-zone';

/** An IANA time zone name such as `Europe/Berlin`. */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'must be an IANA time zone such as Europe/Berlin', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isValidTimeZone(value) },
    });
}

/** A custom check with its own message, for rules that span a whole value (overlaps, uniqueness). */
export function Satisfies<T>(
  check: (value: T, object: object) => string | null,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) => {
    const failures = new WeakMap<object, string>();
    registerDecorator({
      name: 'satisfies',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        ...options,
        message: (args: ValidationArguments) => failures.get(args.object) ?? 'is invalid',
      },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const failure = check(value as T, args.object);
          if (failure === null) return true;
          failures.set(args.object, failure);
          return false;
        },
      },
    });
  };
}

/**
 * The field may be left out, but if present it is validated; unlike `@IsOptional()`, `null` is refused.
 * Use `@IsOptional()` only for fields that are nullable.
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An unambiguous instant: ISO 8601 extended date-time with `Z` or an offset (2030-01-07T14:00:00+01:00).
 * Stricter than `@IsISO8601()`, which also admits forms that `Date.parse` cannot read (week dates,
 * basic format) and local times whose meaning would depend on the server's zone.
 */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: 'must be an ISO 8601 date-time with Z or an offset, e.g. 2030-01-07T14:00:00Z',
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && INSTANT.test(value) && Number.isFinite(Date.parse(value)),
      },
    });
}
