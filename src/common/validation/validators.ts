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
