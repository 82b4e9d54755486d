import { Transform } from 'class-transformer';
import { MAX_ID, parseId } from '../http/canonical-id';
import {
  getMetadataStorage,
  isEmail,
  isURL,
  registerDecorator,
  ValidateIf,
  ValidationArguments,
} from 'class-validator';
import { canonicalTimeZone, isValidTimeZone } from './time-zone';
import type { FieldError } from '../errors/domain-error';

/*
 * Every rule here answers ONE message for a field, whatever is wrong with it: `"30"` for a duration is
 * "must be an integer from 5 to 1440", not three contradictory lines. A rule never throws and does linear
 * work at most, its size limit checked before anything that walks the value, so a crafted body (100,000
 * ids, a lone surrogate, 5e-324) is refused quickly and never reaches a check that could fail with a 500.
 * The validation pipe stops at a field's first failing rule, and a list that fails its rule is not walked
 * further (its items are not validated one by one).
 */

/** A check answers null when the value is fine, or the message that says what is wrong with it. */
export type Check<T = unknown> = (value: T, object: object) => string | null;

/** The first failure of several checks, in order. */
export function firstFailure<T>(...checks: Check<T>[]): Check<T> {
  return (value, object) => {
    for (const check of checks) {
      const failure = check(value, object);
      if (failure !== null) return failure;
    }
    return null;
  };
}

function rule<T>(name: string, check: Check<T>): PropertyDecorator {
  return (target, propertyName) => {
    const failures = new WeakMap<object, string>();
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: (args: ValidationArguments) => failures.get(args.object) ?? 'is invalid' },
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
 * A key named after what every object has (`constructor`, `toString`, `__proto__`, `prototype`): class-transformer
 * and Nest drop such keys before validation, so no field or answer may be named so.
 */
export function isBuiltInName(key: string): boolean {
  return key in Object.prototype || key === 'prototype';
}

/** A fault inside a field's value, with its path below the field (`[2].start`), found by one check of the whole value. */
export type NestedFault = readonly [path: string, message: string];

/** What marks a check's answer as a list of nested faults rather than one message (see nestedFaults). */
const NESTED = '\u0000';

/** How many nested faults are kept word for word: more than a 400 names (see the pipe); the others are counted. */
const NESTED_FAULTS_KEPT = 64;

/** The faults found inside one value: the first ones word for word, and how many there are in all. */
export interface NestedFaults {
  kept: NestedFault[];
  count: number;
}

/**
 * Faults found inside a value by hand (a list's items, each checked by hand rather than as an object of its own),
 * which the validation pipe reports each under its own path, as it would an item's own field. Only the first few
 * are worded: a crafted list's 130,000 faults, each made a string and an object, held the event loop for longer
 * than class-validator had.
 */
export class NestedFaultList implements NestedFaults {
  readonly kept: NestedFault[] = [];
  count = 0;

  /** A fault at `path` below the field; `path` is made only for the faults kept. */
  add(path: () => string, message: string): void {
    this.count += 1;
    if (this.kept.length < NESTED_FAULTS_KEPT) this.kept.push([path(), message]);
  }

  /**
   * The check's answer: null without faults, else a message that carries them to the pipe (`nestedIn`).
   * Checking 26,000 windows by hand takes a few milliseconds; class-validator took a few hundred, on the event
   * loop.
   */
  answer(): string | null {
    return this.count === 0 ? null : NESTED + JSON.stringify({ kept: this.kept, count: this.count });
  }
}

/** The nested faults a check's message carries, or null when it is a message of its own. */
export function nestedIn(message: string): NestedFaults | null {
  return message.startsWith(NESTED) ? (JSON.parse(message.slice(NESTED.length)) as NestedFaults) : null;
}

/** A field of an item checked by hand, as the pipe words it: left out, null, or its check's message. */
export function presentAnd(check: Check): Check {
  return (value, object) => {
    if (value === undefined) return 'is required';
    if (value === null) return 'must not be null';
    return check(value, object);
  };
}

/**
 * A field of an item checked by hand, as the pipe words a field's own fault (see presentAnd), without the field's
 * name in front of its message as the pipe drops it: "windows 09:00-12:00 and 11:00-13:00 overlap" of a field
 * named `windows` reads "09:00-12:00 and 11:00-13:00 overlap".
 */
export function fieldNamed(field: string, check: Check): Check {
  const named = `${field} `;
  return presentAnd((value, object) => {
    const fault = check(value, object);
    return fault?.startsWith(named) ? fault.slice(named.length) : fault;
  });
}

/** Custom checks with their own messages, run in order; the first failure is the field's message. */
export function Satisfies<T>(...checks: Check<T>[]): PropertyDecorator {
  return rule('satisfies', firstFailure(...checks));
}

/** The name of the rule that marks a field kept as sent (see AsSent and asSentFields). */
const AS_SENT = 'asSent';

/**
 * As Satisfies, for a field whose value reaches the DTO as it was sent (plain JSON), checked whole by `checks`:
 * the validation pipe leaves it out of class-transformer's walk. For a list of thousands of objects checked by
 * hand (a schedule's date overrides), which class-transformer took 25-75 ms to copy item by item, the event loop
 * held all along. It keeps a value as sent only on a field of the DTO the pipe is given (the body's top level): on a
 * nested DTO's field its checks still run, but class-transformer still walks and copies the value.
 */
export function AsSent<T>(...checks: Check<T>[]): PropertyDecorator {
  return rule(AS_SENT, firstFailure(...checks));
}

/** The fields of a DTO class declared AsSent (its validation rules, which PartialType and the like carry over). */
export function asSentFields(dto: abstract new (...args: never[]) => unknown): string[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(dto, '', false, false)
    .filter((metadata) => metadata.name === AS_SENT)
    .map((metadata) => metadata.propertyName);
}

/**
 * The field may be left out, but if present it is validated; unlike `@IsOptional()`, `null` is refused.
 * Use `@IsOptional()` only for fields that are nullable.
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

// ---------------------------------------------------------------------------------------------- text

/** A UTF-16 code unit of a surrogate pair standing alone: no UTF-8 encoder can carry it. */
const LONE_SURROGATE = /\p{Cs}/u;
/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

export function wellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

const NOT_UNICODE = 'must be valid Unicode text (it contains a lone surrogate such as \\ud800)';

/**
 * Whether `value` holds `min` to `max` characters, counted as Unicode code points: what a person counts (an
 * emoji is one, where `length` counts two UTF-16 units), what JSON Schema's `maxLength` means, and what
 * PostgreSQL's `varchar(n)` holds. Each is one or two units, so `length` decides alone unless it is between the
 * bounds and twice them; a long text is refused without being walked. A character is at most 4 bytes in UTF-8.
 */
export function charactersWithin(value: string, min: number, max: number): boolean {
  if (value.length < min || value.length > 2 * max) return false;
  if (value.length <= max && value.length >= 2 * min) return true;
  let count = 0;
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    // A surrogate pair is one character; a lone surrogate counts as one (wellFormed refuses it).
    if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(value.charCodeAt(i + 1))) i += 1;
    count += 1;
  }
  return count >= min && count <= max;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** A string of `min` to `max` characters (see `charactersWithin`) that can be stored and sent as UTF-8. */
export function text(min: number, max: number): Check {
  const expected =
    min > 0 ? `must be text of ${min} to ${max} characters` : `must be text of at most ${max} characters`;
  return (value) => {
    if (typeof value !== 'string' || !charactersWithin(value, min, max)) return expected;
    return wellFormed(value) ? null : NOT_UNICODE;
  };
}

export function IsText(min: number, max: number): PropertyDecorator {
  return rule('isText', text(min, max));
}

/**
 * A text that is stored trimmed is trimmed before it is validated, so that its limits hold for what is kept: a
 * name of spaces (or of tabs, no-break spaces, U+3000, U+FEFF) is refused as empty, not stored as "".
 */
export function Trimmed(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
}

/** A pattern the (already valid) text must match, with the message that explains it. */
export function matching(pattern: RegExp, message: string): Check {
  return (value) => (typeof value === 'string' && pattern.test(value) ? null : message);
}

export const MAX_EMAIL_LENGTH = 320;

export function emailAddress(value: unknown): string | null {
  return text(3, MAX_EMAIL_LENGTH)(value, {}) ?? (isEmail(value) ? null : 'must be an email address');
}

export function IsEmailAddress(): PropertyDecorator {
  return rule('isEmailAddress', emailAddress);
}

export const MAX_URL_LENGTH = 2000;

/**
 * URLs are refused with control characters: a parser drops a CR, LF or tab silently, but the stored text
 * keeps it and every echo or log of the URL would carry it.
 */
const urlText = firstFailure(text(1, MAX_URL_LENGTH), (value) =>
  CONTROL_CHARACTER.test(value as string) ? 'must not contain control characters (CR, LF, tab, …)' : null,
);

/** An absolute http(s) URL, as a meeting link. */
export function httpUrl(value: unknown): string | null {
  return (
    urlText(value, {}) ??
    (isURL(value as string, { protocols: ['http', 'https'], require_protocol: true, require_tld: false })
      ? null
      : 'must be an http or https URL such as https://meet.example.com/intro')
  );
}

export function IsHttpUrl(): PropertyDecorator {
  return rule('isHttpUrl', httpUrl);
}

/**
 * Any absolute URL the WHATWG parser reads, without control characters (the scheme is checked later), whose
 * credentials, if any, can go out as Basic authentication (see `basicCredentials`).
 */
export function absoluteUrl(value: unknown): string | null {
  return (
    urlText(value, {}) ??
    (URL.canParse(value as string)
      ? basicCredentials(new URL(value as string))
      : 'must be an absolute URL such as https://hooks.example.com/booking')
  );
}

/**
 * A URL's user name and password are sent percent-decoded, as Basic authentication (RFC 7617): each must
 * decode (`%FF` is no UTF-8, and every delivery would fail with "URI malformed"), and the user name must not
 * hold a ':', which the receiver would read as the end of the user name.
 */
function basicCredentials(url: URL): string | null {
  const username = percentDecoded(url.username);
  if (username === null || percentDecoded(url.password) === null) {
    return 'must carry a user name and password whose %-escapes decode as UTF-8';
  }
  if (username.includes(':'))
    return "must carry a user name without ':' (%3A): Basic authentication cannot send it";
  return null;
}

function percentDecoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * ISO 4217 codes as the runtime's ICU knows them (it formats a price in each), uppercase as the standard writes
 * them: a code of three letters such as ABC is none.
 */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function currencyCode(value: unknown): string | null {
  return typeof value === 'string' && CURRENCIES.has(value) ? null : 'must be an ISO 4217 code such as USD';
}

export function IsCurrencyCode(): PropertyDecorator {
  return rule('isCurrencyCode', currencyCode);
}

/** The longest IANA zone name is 32 characters; anything far longer is not worth looking up. */
const MAX_TIME_ZONE_LENGTH = 64;

/** An IANA time zone name such as `Europe/Berlin`, kept as the tz database spells it (see canonicalTimeZone). */
export function IsTimeZone(): PropertyDecorator {
  const canonical = Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.length <= MAX_TIME_ZONE_LENGTH ? canonicalTimeZone(value) : value,
  );
  const valid = rule('isTimeZone', (value) =>
    typeof value === 'string' && value.length <= MAX_TIME_ZONE_LENGTH && isValidTimeZone(value)
      ? null
      : 'must be an IANA time zone such as Europe/Berlin',
  );
  return (target, key) => {
    canonical(target, key);
    valid(target, key);
  };
}

// ------------------------------------------------------------------------------------------- numbers

export function integerIn(min: number, max: number): Check {
  return (value) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? null
      : `must be an integer from ${min} to ${max}`;
}

/** An integer from `min` to `max`; a string such as "30" is refused (JSON numbers only). */
export function IsIntegerIn(min: number, max: number): PropertyDecorator {
  return rule('isIntegerIn', integerIn(min, max));
}

/** Ids are the database's `integer` columns: 1 to 2^31 - 1 (a larger one is a 500 on PostgreSQL). */
export function positiveId(value: unknown): string | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_ID
    ? null
    : `must be an id from 1 to ${MAX_ID}`;
}

/** A query-string id: only its canonical spelling (`12`, never `1e1`, `012` or `0xc`) becomes a number. */
export function QueryId(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    return parseId(value) ?? value;
  });
}

export function IsPositiveId(): PropertyDecorator {
  return rule('isPositiveId', positiveId);
}

/** The largest amount of money (price, price_full, payment_received); the column holds 12 digits. */
export const MAX_AMOUNT = 1_000_000_000;

/**
 * An amount of money: a finite JSON number from 0 to MAX_AMOUNT with at most 2 decimals. The decimals
 * are counted on the value itself (it must survive rounding to cents unchanged), not on its printed
 * form: 5e-324 and 1e-25 print without a dot but are not whole cents.
 */
export function moneyAmount(value: unknown): string | null {
  return typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= 0 &&
    value <= MAX_AMOUNT &&
    Number(value.toFixed(2)) === value
    ? null
    : `must be an amount from 0 to ${MAX_AMOUNT} with at most 2 decimals`;
}

export function IsMoney(): PropertyDecorator {
  return rule('isMoney', moneyAmount);
}

// --------------------------------------------------------------------------------------------- lists

/** No field takes more items than this (appointment_type_ids of a webhook); each has its own lower cap. */
export const MAX_LIST_ITEMS = 1000;

/** No object a route takes has more fields than this (customer_information: 2 and up to 50 questions). */
export const MAX_OBJECT_FIELDS = 200;

/**
 * No body or query holds more list items than this in all, lists within lists counted together: the most a
 * route takes is a schedule's, 550 date overrides of up to 48 windows each (26,950 items), beside a week's
 * windows and 50 questions of 100 options.
 */
export const MAX_TOTAL_ITEMS = 60_000;
/**
 * Fields of all a body's objects together: the largest schedule (550 overrides of 48 windows) has 53,900. Each
 * object short enough, 130,000 keys in 1 MB held the event loop for a few hundred milliseconds in the
 * framework's passes.
 */
export const MAX_TOTAL_FIELDS = 80_000;

/**
 * What makes `value` larger than any route takes, as a field error (`customer_fields[0].options` is a list of
 * more than 1,000 items), or null. Looked for before anything else walks the body: the framework's own passes
 * over a request (closing array gaps, stripping prototype keys, building class instances) are linear but slow
 * per item, and a 1 MB body of 300,000 items keeps them busy for seconds. Its pass over an object's keys is
 * quadratic (class-transformer drops repeated keys with an indexOf per key): a 1 MB object of 120,000 keys
 * held the event loop for 11 s, and each unknown key made one line of the 400's details. Lists within lists, each
 * short enough, are counted together: 300 lists of 1,000 numbers held it for a tenth of a second.
 */
export function oversized(value: unknown): FieldError | null {
  const stack: [unknown, string][] = [[value, '']];
  let items = 0;
  let fields = 0;
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (Array.isArray(current)) {
      if (current.length > MAX_LIST_ITEMS)
        return {
          field: path,
          message: `is a list of more than ${MAX_LIST_ITEMS} items (no field takes more)`,
        };
      items += current.length;
      if (items > MAX_TOTAL_ITEMS)
        return {
          field: '',
          message: `holds more than ${MAX_TOTAL_ITEMS} list items in all (no route takes more)`,
        };
      current.forEach((item: unknown, index) => {
        if (typeof item === 'object' && item !== null) stack.push([item, `${path}[${index}]`]);
      });
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current);
      if (keys.length > MAX_OBJECT_FIELDS)
        return { field: path, message: `has more than ${MAX_OBJECT_FIELDS} fields (no object takes more)` };
      fields += keys.length;
      if (fields > MAX_TOTAL_FIELDS)
        return {
          field: '',
          message: `holds more than ${MAX_TOTAL_FIELDS} fields in all (no route takes more)`,
        };
      for (const key of keys) {
        const item = (current as Record<string, unknown>)[key];
        if (typeof item === 'object' && item !== null)
          stack.push([item, path === '' ? key : `${path}.${key}`]);
      }
    }
  }
  return null;
}

/** A list of at most `max` distinct positive integer ids; the size is checked first, duplicates with a Set. */
export function idList(max: number): Check {
  const expected = `must be a list of at most ${max} ids from 1 to ${MAX_ID}`;
  return (value) => {
    if (!Array.isArray(value) || value.length > max) return expected;
    const seen = new Set<number>();
    for (const id of value as unknown[]) {
      if (positiveId(id) !== null) return expected;
      if (seen.has(id as number)) return `must not name id ${id as number} twice`;
      seen.add(id as number);
    }
    return null;
  };
}

export function IsIdList(max: number): PropertyDecorator {
  return rule('isIdList', idList(max));
}

/** A list of `min` to `max` distinct values taken from `allowed`. */
export function choiceList(allowed: readonly string[], min: number, max: number): Check {
  const expected = `must be a list of ${min} to ${max} distinct values from: ${allowed.join(', ')}`;
  return (value) => {
    if (!Array.isArray(value) || value.length < min || value.length > max) return expected;
    const seen = new Set<unknown>();
    for (const item of value) {
      if (typeof item !== 'string' || !allowed.includes(item) || seen.has(item)) return expected;
      seen.add(item);
    }
    return null;
  };
}

/**
 * A list of at most `maxItems` distinct texts of 1 to `maxLength` characters each, none of white space alone, and
 * compared trimmed: a select field's option of spaces cannot be picked on a page (a blank answer is no answer),
 * and " a" beside "a" looks the same.
 */
export function textList(maxItems: number, maxLength: number): Check {
  const item = text(1, maxLength);
  return (value) => {
    if (!Array.isArray(value) || value.length > maxItems)
      return `must be a list of at most ${maxItems} texts`;
    const seen = new Map<string, number>();
    for (let i = 0; i < value.length; i += 1) {
      const failure = item(value[i], {});
      if (failure !== null) return `item ${i} ${failure}`;
      const trimmed = (value[i] as string).trim();
      if (trimmed === '') return `item ${i} must not be blank`;
      const first = seen.get(trimmed);
      if (first !== undefined) return `item ${i} is the same as item ${first} once trimmed`;
      seen.set(trimmed, i);
    }
    return null;
  };
}

/**
 * A list of at most `max` objects. Checked before the items are validated one by one (and instead of it
 * when it fails), so a list of 100,000 items or of nested lists costs one pass.
 */
export function objectList(max: number): Check {
  return (value) => {
    if (!Array.isArray(value) || value.length > max) return `must be a list of at most ${max} objects`;
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      if (typeof item !== 'object' || item === null || Array.isArray(item))
        return `item ${i} must be an object`;
    }
    return null;
  };
}

// -------------------------------------------------------------------------------------- dates, times

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one; Date.UTC maps years 0-99 to 1900-1999.
  const last = new Date(Date.UTC(2000, month, 0));
  last.setUTCFullYear(year, month, 0);
  return day <= last.getUTCDate();
}

/**
 * An unambiguous instant: ISO 8601 extended date-time with `Z` or an offset (2030-01-07T14:00:00+01:00),
 * naming a day that exists. `Date.parse` rolls 2031-02-29 over to March 1st; this refuses it. Stricter than
 * `@IsISO8601()`, which also admits week dates, basic format and local times whose meaning would depend on
 * the server's zone.
 */
export function instant(value: unknown): string | null {
  const expected = 'must be an ISO 8601 date-time with Z or an offset, e.g. 2030-01-07T14:00:00Z';
  const match = typeof value === 'string' ? INSTANT.exec(value) : null;
  if (match === null) return expected;
  const [, year, month, day, hour, minute, second = '0', offsetHours = '0', offsetMinutes = '0'] = match;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return expected;
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return expected;
  if (!isCalendarDate(Number(year), Number(month), Number(day)))
    return `${year}-${month}-${day} is not a calendar date`;
  const parsed = Date.parse(value as string);
  if (!Number.isFinite(parsed)) return expected;
  // 9999-12-31T23:00:00-05:00 is in year 10000 in UTC, which no ISO 8601 answer of ours could print back.
  return parsed < LAST_INSTANT_EXCLUSIVE ? null : 'must be before the year 10000 in UTC';
}

/** The first instant an answer of ours could not print (ISO 8601 with a four-digit year). */
export const LAST_INSTANT_EXCLUSIVE = Date.UTC(10000, 0, 1);

export function IsInstant(): PropertyDecorator {
  return rule('isInstant', instant);
}

/** A calendar date YYYY-MM-DD that exists (2031-02-29 does not). */
export function localDate(value: unknown): string | null {
  const match = typeof value === 'string' ? LOCAL_DATE.exec(value) : null;
  if (match === null) return 'must be a date YYYY-MM-DD';
  const [, year, month, day] = match;
  return isCalendarDate(Number(year), Number(month), Number(day))
    ? null
    : `${value as string} is not a calendar date`;
}

export function IsLocalDate(): PropertyDecorator {
  return rule('isLocalDate', localDate);
}
