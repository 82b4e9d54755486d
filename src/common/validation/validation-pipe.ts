import {
  ArgumentMetadata,
  ValidationError,
  ValidationPipe,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { classToPlain, type ClassTransformOptions, plainToInstance } from 'class-transformer';
import { DomainError, FieldError } from '../errors/domain-error';
import { cacheValidationMetadata } from './metadata-cache';
import { asSentFields, isBuiltInName, nestedIn, oversized } from './validators';

/** A field's fault, or (`omitted`) how many more of one field's nested faults there are, unworded. */
type Fault = FieldError & { omitted?: number };

/**
 * Flattens class-validator's tree into `customer_fields[0].label`-style field paths, one message each (a check's
 * nested faults each under its own path, the first ones worded; see NestedFaultList).
 */
export function fieldErrors(errors: ValidationError[], parent = ''): Fault[] {
  return errors.flatMap((error) => {
    const field =
      parent === ''
        ? error.property
        : /^\d+$/.test(error.property)
          ? `${parent}[${error.property}]`
          : `${parent}.${error.property}`;
    const messages = Object.values(error.constraints ?? {});
    const nested = messages.length > 0 ? nestedIn(messages[0]) : null;
    const own: Fault[] = nested
      ? nested.kept.map(([path, message]) => ({ field: field + path, message }))
      : messages.length > 0
        ? [{ field, message: ownMessage(messages[0], error) }]
        : [];
    if (nested && nested.count > nested.kept.length)
      own.push({ field, message: '', omitted: nested.count - nested.kept.length });
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

function ownMessage(message: string, error: ValidationError): string {
  if (message === `property ${error.property} should not exist`) return 'is not a known field';
  // A field left out or sent as null fails its first rule, whose message would describe the value wanted.
  if (Object.hasOwn(error, 'value') && error.value === undefined) return 'is required';
  if (error.value === null) return 'must not be null';
  return message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message;
}

/** Refuses a list or an object larger than any route takes before the framework walks the value item by item. */
class BoundedValidationPipe extends ValidationPipe {
  /**
   * Bodies and queries walked by `inheritedNames` and found without built-in names or gaps in their lists: Nest's
   * own walks for those (`stripProtoKeys`, `closeArrayGaps`) would find nothing more, and took a tenth of the
   * largest schedule's time (every list's keys made into strings).
   */
  private readonly walked = new WeakSet<object>();

  protected override stripProtoKeys(value: unknown): void {
    if (!this.isWalked(value)) super.stripProtoKeys(value);
  }

  protected override closeArrayGaps(value: unknown): void {
    if (!this.isWalked(value)) super.closeArrayGaps(value);
  }

  private isWalked(value: unknown): boolean {
    return typeof value === 'object' && value !== null && this.walked.has(value);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A body a DTO describes is a JSON object; `null`, a list or a bare value is no such body (a route
    // without a body gets `undefined`, which stays allowed).
    if (
      metadata.type === 'body' &&
      isDtoClass(metadata.metatype) &&
      value !== undefined &&
      !isPlainObject(value)
    ) {
      throw invalid([{ field: 'body', message: 'must be a JSON object' }]);
    }
    // Bodies and query strings are plain trees; a custom parameter may be anything (a request, with cycles).
    const tooLarge = metadata.type === 'body' || metadata.type === 'query' ? oversized(value) : null;
    if (tooLarge !== null) {
      throw invalid([
        { field: tooLarge.field === '' ? metadata.type : tooLarge.field, message: tooLarge.message },
      ]);
    }
    const described =
      (metadata.type === 'body' || metadata.type === 'query') && isDtoClass(metadata.metatype);
    const walk: Walk = { inherited: [], sparse: false, values: 0 };
    if (described) inheritedNames(value, walk);
    if (walk.inherited.length > 0) {
      throw invalid(walk.inherited.map((field) => ({ field, message: 'is not a known field' })));
    }
    if (described && !walk.sparse && typeof value === 'object' && value !== null) this.walked.add(value);
    // A large body was parsed and walked twice in this turn: its checks take the next (the largest schedule's
    // turn held the event loop 50-100 ms with both).
    if (walk.values > LARGE_BODY_VALUES) await yieldToEventLoop();
    return super.transform(value, metadata);
  }
}

/**
 * Records the paths of a body's or query's keys, at any depth, named after what every object has (`constructor`,
 * `toString`, `__proto__`, `prototype`): class-transformer and Nest drop them before the whitelist sees them, so
 * that they were ignored without a word where any other unknown key is refused. No DTO has such a field, nor a
 * custom field such a label. (The body's size is bounded before: see `oversized`.)
 */
function inheritedNames(value: unknown, walk: Walk, path: (string | number)[] = []): void {
  walk.values += 1;
  if (Array.isArray(value)) {
    let items = 0;
    value.forEach((item, i) => {
      items += 1;
      path.push(i);
      inheritedNames(item, walk, path);
      path.pop();
    });
    // forEach skips a list's gaps (a query's `tags[5]=a`, as a parser may make it).
    if (items !== value.length) walk.sparse = true;
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      path.push(key);
      if (isBuiltInName(key)) walk.inherited.push(fieldPath(path));
      else inheritedNames(item, walk, path);
      path.pop();
    }
  }
}

/** What `inheritedNames` found: the paths of built-in names, whether a list has gaps, and how many values it saw. */
interface Walk {
  inherited: string[];
  sparse: boolean;
  values: number;
}

/** Values in a body or query beyond which its checks wait for the next turn of the event loop. */
const LARGE_BODY_VALUES = 10_000;

/** `customer_fields[0].label` of its parts: keys and list indexes. */
function fieldPath(parts: readonly (string | number)[]): string {
  return parts
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/**
 * Leaves path parameters as they were sent. Global pipes run before a parameter's own pipe, and the
 * stock pipe turns a `number` parameter into `+value`, so `0x1`, `1e0`, `01` and ` 1` would all reach
 * `IdParam` as 1: the parameter's own pipe decides what an id is (see common/http/id-param.ts).
 */
class AppValidationPipe extends BoundedValidationPipe {
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

function isDtoClass(metatype: ArgumentMetadata['metatype']): boolean {
  return metatype !== undefined && ![Object, String, Number, Boolean, Array].includes(metatype as never);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How many fields a 400 names at most: the first ones, and how many more there were. */
const MAX_DETAILS = 50;

function invalid(all: Fault[]): DomainError {
  const details = all
    .filter((fault) => fault.omitted === undefined)
    .slice(0, MAX_DETAILS)
    .map(({ field, message }) => ({ field, message }));
  const counted = all.reduce((sum, fault) => sum + (fault.omitted ?? 1), 0);
  const more = counted - details.length;
  const summary =
    details.map((detail) => `${detail.field} ${detail.message}`).join('; ') +
    (more > 0 ? `; and ${more} more` : '');
  return new DomainError('validation_failed', `Invalid request: ${summary}`, details);
}

/**
 * class-transformer, except that a DTO's fields declared AsSent keep the values sent: the instance holds them as
 * they came, in their places among its fields, and class-transformer never walks them. The body was checked
 * before (see BoundedValidationPipe) for what class-transformer would otherwise drop on the way (built-in names).
 */
const asSentTransformer: NonNullable<ValidationPipeOptions['transformerPackage']> = {
  plainToInstance<T>(dto: new () => T, value: unknown, options?: ClassTransformOptions): T {
    const kept = isPlainObject(value)
      ? asSentFields(dto).filter((field) => Object.hasOwn(value as object, field))
      : [];
    if (kept.length === 0) return plainToInstance(dto, value, options);
    const sent = value as Record<string, unknown>;
    // null in their places: class-transformer keeps it as it is, and the field keeps its position.
    const instance = plainToInstance(
      dto,
      { ...sent, ...Object.fromEntries(kept.map((field) => [field, null])) },
      options,
    );
    for (const field of kept) (instance as Record<string, unknown>)[field] = sent[field];
    return instance;
  },
  classToPlain,
};

export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new AppValidationPipe({
    transformerPackage: asSentTransformer,
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // One message per field: its first failing rule (class-validator runs a property's decorators from
    // the bottom up). A list whose own rule fails is not validated item by item.
    stopAtFirstError: true,
    exceptionFactory: (errors) => invalid(fieldErrors(errors)),
  });
}
