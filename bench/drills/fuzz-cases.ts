/**
 * The fuzz drill's vocabulary: a seeded random source, the OpenAPI operations as the drill sees them, a small
 * JSON-schema judge (does the document itself say a value is wrong?), and the catalogue of malformed values.
 * Nothing here talks to the service; fuzz.ts builds requests from these parts and checks the answers.
 */

/** mulberry32: small, fast and the same sequence for the same seed on every machine. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** One of `weighted`'s keys, with probability proportional to its weight. */
  weighted<K extends string>(weighted: Partial<Record<K, number>>): K {
    const entries = Object.entries(weighted) as [K, number][];
    let roll = this.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1][0];
  }
}

// ---------------------------------------------------------------------------------------------------------
// OpenAPI

export interface Schema {
  /** OpenAPI 3.1 spells a nullable type as `['string', 'null']`; 3.0 as `type` + `nullable`. */
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  $ref?: string;
  description?: string;
}

export interface ParamSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  template: string;
  /** "PATCH /api/v1/webhooks/{id}" */
  label: string;
  params: ParamSpec[];
  body?: Schema;
  bodyRequired: boolean;
  admin: boolean;
}

type OpenApiDocument = {
  security?: unknown[];
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, Schema> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document, with `$ref`s and `allOf`s resolved into plain schemas. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (schema: Schema | undefined, depth = 0): Schema | undefined => {
    if (!schema || depth > 20) return schema;
    if (schema.$ref) {
      const name = schema.$ref.split('/').pop()!;
      const { $ref: _ref, ...rest } = schema;
      return resolve({ ...doc.components?.schemas?.[name], ...rest }, depth + 1);
    }
    let out: Schema = { ...schema };
    if (schema.allOf) {
      const { allOf, ...rest } = schema;
      out = rest;
      for (const part of allOf) {
        const resolved = resolve(part, depth + 1)!;
        out = {
          ...resolved,
          ...out,
          properties: { ...resolved.properties, ...out.properties },
          required: [...(resolved.required ?? []), ...(out.required ?? [])],
        };
      }
    }
    if (out.items) out.items = resolve(out.items, depth + 1);
    if (out.properties) {
      out.properties = Object.fromEntries(
        Object.entries(out.properties).map(([key, value]) => [key, resolve(value, depth + 1)!]),
      );
    }
    return out;
  };
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const security = (op.security ?? doc.security ?? []) as unknown[];
      const body = op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
      operations.push({
        method: method.toUpperCase(),
        template,
        label: `${method.toUpperCase()} ${template}`,
        params: ((op.parameters ?? []) as any[]).map((p) => ({
          name: p.name,
          in: p.in,
          required: Boolean(p.required),
          schema: resolve(p.schema ?? {})!,
        })),
        body: resolve(body),
        bodyRequired: Boolean(op.requestBody?.required),
        admin: security.length > 0,
      });
    }
  }
  return operations;
}

/**
 * The type a field really has. @nestjs/swagger writes `type: object` for nullable strings and numbers; the
 * example then tells what is meant. Undefined when the document does not say.
 */
export function effectiveType(schema: Schema): string | undefined {
  if (Array.isArray(schema.type)) return effectiveType({ ...schema, type: ownType(schema) });
  if (schema.type === 'object' && !schema.properties) {
    if (schema.example === undefined || schema.example === null)
      return isNullable(schema) ? undefined : 'object';
    if (typeof schema.example === 'string') return 'string';
    if (typeof schema.example === 'number') return 'number';
    return 'object';
  }
  if (schema.type === 'integer') return 'number';
  if (!schema.type && schema.enum) return typeof schema.enum[0];
  return schema.type;
}

/** Whether the document lets the field be null, in either OpenAPI version's spelling. */
export function isNullable(schema: Schema): boolean {
  return schema.nullable === true || (Array.isArray(schema.type) && schema.type.includes('null'));
}

/** The type besides `null` of a 3.1 type list (the first, when there are several). */
function ownType(schema: Schema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : schema.type;
}

/** A literal JSON text to splice into a body where a JS value cannot say it (1e999, -0, deep nesting). */
export class RawJson {
  constructor(
    readonly text: string,
    /** What JSON.parse makes of it, for the judge. */
    readonly parsed: unknown,
  ) {}
}

/** Serializes `value`, splicing RawJson pieces in as they are. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]);
}

const plain = (value: unknown): unknown => (value instanceof RawJson ? value.parsed : value);

/**
 * Why the document itself refuses `value` for `schema`, or null when it allows it (or cannot tell).
 * Only rules the document states: type, null, enum, bounds, length, pattern, items, known properties.
 */
export function violation(schema: Schema | undefined, raw: unknown, path = 'body'): string | null {
  if (!schema) return null;
  const value = plain(raw);
  if (value === undefined) return null;
  if (value === null) return isNullable(schema) ? null : `${path} is null and not nullable`;
  const type = effectiveType(schema);
  if (schema.enum && !schema.enum.includes(value)) return `${path} is not one of the enum`;
  switch (type) {
    case 'number':
      if (typeof value !== 'number') return `${path} is a ${kindOf(value)}, not a number`;
      if (!Number.isFinite(value)) return `${path} is not finite`;
      if (schema.minimum !== undefined && value < schema.minimum)
        return `${path} < minimum ${schema.minimum}`;
      if (schema.maximum !== undefined && value > schema.maximum)
        return `${path} > maximum ${schema.maximum}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${path} is a ${kindOf(value)}, not a boolean`;
    case 'string':
      if (typeof value !== 'string') return `${path} is a ${kindOf(value)}, not a string`;
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        return `${path} is longer than maxLength ${schema.maxLength}`;
      if (schema.pattern && !new RegExp(schema.pattern).test(value))
        return `${path} does not match its pattern`;
      return null;
    case 'array': {
      if (!Array.isArray(value)) return `${path} is a ${kindOf(value)}, not an array`;
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        return `${path} has more than maxItems ${schema.maxItems}`;
      for (let i = 0; i < value.length; i++) {
        const inner = violation(schema.items, (raw as unknown[])[i] ?? value[i], `${path}[${i}]`);
        if (inner) return inner;
      }
      return null;
    }
    case 'object': {
      if (kindOf(value) !== 'object') return `${path} is a ${kindOf(value)}, not an object`;
      if (!schema.properties) return null;
      const object = (raw instanceof RawJson ? value : raw) as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        if (!(key in schema.properties) && schema.additionalProperties !== true)
          return `${path}.${key} is not a documented field`;
        const inner = violation(schema.properties[key], object[key], `${path}.${key}`);
        if (inner) return inner;
      }
      for (const key of schema.required ?? []) {
        if (!(key in object)) return `${path}.${key} is required`;
      }
      return null;
    }
    case undefined:
    default:
      return null;
  }
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// ---------------------------------------------------------------------------------------------------------
// Malformed values

/** A value to put somewhere, what to call it in a report, and (when certain) why it must be refused. */
export interface Malformed {
  label: string;
  value: unknown;
  /** Set when the field's meaning (a date, a zone, an email, a URL) makes the value wrong beyond the schema. */
  wrong?: string;
}

const deepArray = (depth: number) => new RawJson('['.repeat(depth) + ']'.repeat(depth), undefined);
const deepObject = (depth: number) => new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth), undefined);

export function deepValue(rng: Rng, maxDepth: number): Malformed {
  const depth = rng.pick([5000, 5000, 20000, 100000].filter((d) => d <= maxDepth));
  return rng.chance(0.5)
    ? { label: `array nested ${depth} deep`, value: deepArray(depth), wrong: 'absurdly deep value' }
    : { label: `object nested ${depth} deep`, value: deepObject(depth), wrong: 'absurdly deep value' };
}

const WRONG_TYPES: Malformed[] = [
  { label: 'null', value: null },
  { label: 'true', value: true },
  { label: 'empty object', value: {} },
  { label: 'empty array', value: [] },
  { label: 'array of array', value: [[]] },
  { label: 'number 7', value: 7 },
  { label: 'string "7"', value: '7' },
  { label: 'empty string', value: '' },
  { label: 'object with key', value: { a: 1 } },
  { label: '__proto__ object', value: new RawJson('{"__proto__":{"polluted":1}}', { polluted: 1 }) },
];

const NUMBERS: Malformed[] = [
  { label: 'string "30"', value: '30' },
  { label: 'string "abc"', value: 'abc' },
  { label: '1e308', value: 1e308 },
  { label: '1e309 (Infinity)', value: new RawJson('1e309', Infinity) },
  { label: '-1e309 (-Infinity)', value: new RawJson('-1e309', -Infinity) },
  { label: '400-digit integer', value: new RawJson('1' + '0'.repeat(400), Infinity) },
  { label: '2^53+1', value: new RawJson('9007199254740993', 9007199254740992) },
  { label: '1e22', value: 1e22 },
  { label: '-(2^53)', value: -(2 ** 53) },
  { label: '5e-324', value: 5e-324 },
  { label: '1e-25', value: 1e-25 },
  { label: '-0', value: new RawJson('-0', -0) },
  { label: '0', value: 0 },
  { label: '-1', value: -1 },
  { label: '0.5', value: 0.5 },
  { label: '1.0000001', value: 1.0000001 },
  { label: '2147483648', value: 2147483648 },
  { label: '1e2 written as exponent', value: new RawJson('1e2', 100) },
];

export const UNICODE: Malformed[] = [
  { label: 'lone high surrogate', value: '\ud800' },
  { label: 'lone low surrogate', value: 'x\udc00y' },
  { label: 'reversed surrogates', value: '\udc00\ud800' },
  { label: 'RTL override', value: 'abc\u202edef' },
  { label: 'NUL', value: '\u0000' },
  { label: 'embedded NUL', value: 'a\u0000b' },
  { label: 'emoji', value: '😀' },
  { label: 'ZWJ family emoji', value: '👩‍👩‍👧‍👦' },
  { label: 'zalgo', value: 'Z̴̡̧̛a̶̢l̷̨g̸̡o̵' },
  { label: 'zero-width space', value: '\u200b' },
  { label: 'BOM', value: '\ufeff' },
  { label: 'CR LF header injection', value: 'x\r\nSet-Cookie: a=b' },
  { label: 'tab and newline', value: '\t\n' },
  { label: 'only spaces', value: '   ' },
  { label: 'SQL quote', value: "' OR '1'='1' --" },
  { label: 'HTML script', value: '<script>alert(1)</script>' },
  { label: 'path traversal', value: '../../etc/passwd' },
  { label: 'percent NUL', value: '%00' },
  { label: 'template', value: '${7*7}{{7*7}}' },
  { label: 'backslashes', value: '\\\\\\' },
  { label: 'fullwidth', value: 'ｆｕｌｌｗｉｄｔｈ' },
  { label: 'dotted capital I', value: 'İı' },
  { label: 'C1 control', value: '\u0085\u009b' },
  { label: 'non-characters', value: '\ufffe\uffff' },
  { label: 'astral private use', value: '\u{10fffd}' },
];

export function hugeString(rng: Rng, maxBytes: number): Malformed {
  const size = rng.pick([10_000, 100_000, 900_000].filter((s) => s <= maxBytes));
  return rng.chance(0.7)
    ? { label: `${size}-char string`, value: 'a'.repeat(size) }
    : { label: `${size / 2} emoji`, value: '😀'.repeat(size / 4) };
}

const INSTANTS: Malformed[] = [
  { label: 'impossible date 2031-02-29', value: '2031-02-29T10:00:00Z', wrong: 'no such date' },
  { label: 'impossible date 2031-04-31', value: '2031-04-31T10:00:00Z', wrong: 'no such date' },
  { label: 'month 13', value: '2031-13-01T10:00:00Z', wrong: 'no such month' },
  { label: 'month 00', value: '2031-00-10T10:00:00Z', wrong: 'no such month' },
  { label: 'day 00', value: '2031-01-00T10:00:00Z', wrong: 'no such day' },
  { label: 'hour 24', value: '2031-01-01T24:00:00Z', wrong: 'no hour 24' },
  { label: 'leap second', value: '2031-01-01T23:59:60Z', wrong: 'no leap seconds' },
  { label: 'minute 60', value: '2031-01-01T10:60:00Z', wrong: 'no such minute' },
  { label: 'offset +25:00', value: '2031-01-01T10:00:00+25:00', wrong: 'no such offset' },
  { label: 'offset +14:60', value: '2031-01-01T10:00:00+14:60', wrong: 'no such offset' },
  { label: 'no offset', value: '2031-01-01T10:00:00', wrong: 'no zone' },
  { label: 'date only', value: '2031-01-06', wrong: 'no time' },
  { label: 'week date', value: '2031-W01-1T10:00:00Z', wrong: 'not extended ISO' },
  { label: 'basic format', value: '20310106T100000Z', wrong: 'not extended ISO' },
  { label: 'single digits', value: '2031-1-6T10:00:00Z', wrong: 'not ISO' },
  { label: 'leading space', value: ' 2031-01-06T10:00:00Z', wrong: 'not ISO' },
  { label: 'words', value: 'next tuesday', wrong: 'not a date' },
  { label: 'year 275760+', value: '+275760-09-14T00:00:00Z', wrong: 'beyond Date range' },
  { label: 'year 0000', value: '0000-01-01T00:00:00Z' },
  { label: 'year 9999', value: '9999-12-31T23:45:00Z' },
  { label: 'epoch -1', value: '1969-12-31T23:45:00Z' },
  { label: '12 fraction digits', value: '2031-01-06T10:00:00.000000000000Z', wrong: 'not ISO' },
  { label: 'epoch number', value: 1925377200000 },
];

const LOCAL_DATES: Malformed[] = [
  { label: 'impossible date 2031-02-29', value: '2031-02-29', wrong: 'no such date' },
  { label: 'impossible date 2031-02-30', value: '2031-02-30', wrong: 'no such date' },
  { label: 'impossible date 2031-06-31', value: '2031-06-31', wrong: 'no such date' },
  { label: 'month 13', value: '2031-13-01', wrong: 'no such month' },
  { label: 'day 00', value: '2031-01-00', wrong: 'no such day' },
  { label: 'five-digit year', value: '99999-01-01', wrong: 'not a date' },
  { label: 'single digits', value: '2031-1-6', wrong: 'not a date' },
  { label: 'words', value: 'today', wrong: 'not a date' },
  { label: 'year 0000', value: '0000-01-01' },
  { label: 'instant', value: '2031-01-06T00:00:00Z' },
  { label: 'reversed range far apart', value: '1970-01-01' },
  { label: 'year 9999', value: '9999-12-31' },
];

const ZONES: Malformed[] = [
  { label: 'zone Mars/Phobos', value: 'Mars/Phobos', wrong: 'no such zone' },
  { label: 'zone Europe/Nowhere', value: 'Europe/Nowhere', wrong: 'no such zone' },
  { label: 'zone UTC+1', value: 'UTC+1', wrong: 'no such zone' },
  { label: 'zone with NUL', value: 'Europe/Berlin\u0000', wrong: 'no such zone' },
  { label: 'zone with trailing space', value: 'Europe/Berlin ', wrong: 'no such zone' },
  { label: 'zone path traversal', value: '../../etc/localtime', wrong: 'no such zone' },
  { label: 'zone lone surrogate', value: 'Europe/\ud800', wrong: 'no such zone' },
  { label: 'zone 5000 chars', value: 'A/' + 'b'.repeat(5000), wrong: 'no such zone' },
  { label: 'zone lowercase', value: 'europe/berlin' },
  { label: 'zone offset', value: '+01:00' },
  { label: 'zone EST5EDT', value: 'EST5EDT' },
  { label: 'zone Etc/GMT-14', value: 'Etc/GMT-14' },
];

function emails(): Malformed[] {
  const wrong = 'not an email address';
  return [
    { label: 'lone surrogate email', value: '\ud800@example.com', wrong },
    { label: 'NUL in email', value: 'a\u0000b@example.com', wrong },
    { label: 'CRLF in email', value: 'a@example.com\r\nBcc: x@example.com', wrong },
    { label: 'no at sign', value: 'example.com', wrong },
    { label: 'two at signs', value: 'a@b@example.com', wrong },
    { label: 'RTL email', value: 'a\u202e@example.com' },
    { label: 'space in email', value: 'a b@example.com', wrong },
    { label: '400-char email', value: 'a'.repeat(400) + '@example.com', wrong },
    { label: 'trailing dot domain', value: 'a@example.com.' },
  ];
}

/** URL values stay on 127.0.0.1 or are no URL at all: the drill must never make the service reach elsewhere. */
function urls(port: number): Malformed[] {
  const local = `http://127.0.0.1:${port}`;
  const wrong = 'not an acceptable http(s) URL';
  return [
    { label: 'URL with CR LF', value: `${local}/hook\r\nX-Injected: 1`, wrong },
    { label: 'URL with NUL', value: `${local}/ho\u0000ok`, wrong },
    { label: 'URL with tab', value: `${local}/ho\tok`, wrong },
    { label: 'javascript: URL', value: 'javascript:alert(1)', wrong },
    { label: 'file: URL', value: 'file:///etc/passwd', wrong },
    { label: 'ftp: URL', value: 'ftp://127.0.0.1/', wrong },
    { label: 'port 99999', value: 'http://127.0.0.1:99999/', wrong },
    { label: 'relative URL', value: '/hook', wrong },
    { label: 'scheme only', value: 'http://', wrong },
    { label: 'URL 3000 chars', value: `${local}/${'a'.repeat(3000)}` },
    { label: 'URL with credentials', value: `http://user:pass@127.0.0.1:${port}/hook` },
    { label: 'URL port 1 (closed)', value: 'http://127.0.0.1:1/hook' },
    { label: 'URL hex host', value: `http://0x7f000001:${port}/hook` },
    { label: 'URL IPv6 loopback', value: `http://[::1]:${port}/hook` },
    { label: 'URL unicode path', value: `${local}/😀/\u202e` },
  ];
}

export type FieldKind =
  | 'number'
  | 'string'
  | 'boolean'
  | 'array'
  | 'object'
  | 'instant'
  | 'date'
  | 'zone'
  | 'email'
  | 'url'
  | 'any';

/** What a field holds, from its name and schema. */
export function fieldKind(name: string, schema: Schema | undefined): FieldKind {
  const type = schema ? effectiveType(schema) : undefined;
  if (/timezone|time_zone|^zone$/i.test(name)) return 'zone';
  if (/email/i.test(name)) return 'email';
  if (/(^|_)url$/i.test(name)) return 'url';
  const example = schema?.example;
  if (typeof example === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(example)) return 'instant';
  if (typeof example === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(example)) return 'date';
  if (/(_date|_after|_before|_at)$/.test(name) && type === 'string') return 'instant';
  if (type === 'number' || type === 'boolean' || type === 'array' || type === 'object' || type === 'string')
    return type;
  return 'any';
}

/** A malformed value for a field of `kind`: wrong types, extremes, unicode, and the kind's own traps. */
export function malformedFor(kind: FieldKind, rng: Rng, env: { port: number; maxBytes: number }): Malformed {
  const family = rng.weighted({ null: 1.5, wrongType: 3, own: 6, unicode: 2, huge: 1 });
  if (family === 'null') return { label: 'null', value: null };
  if (family === 'wrongType') return rng.pick([...WRONG_TYPES, ...NUMBERS.slice(0, 6)]);
  if (family === 'huge') return hugeString(rng, env.maxBytes);
  if (family === 'unicode') {
    const value = rng.pick(UNICODE);
    return kind === 'email' || kind === 'zone' || kind === 'instant' || kind === 'date'
      ? { ...value, wrong: `a ${kind} cannot be ${value.label}` }
      : value;
  }
  switch (kind) {
    case 'number':
      return rng.pick(NUMBERS);
    case 'instant':
      return rng.pick(INSTANTS);
    case 'date':
      return rng.pick(LOCAL_DATES);
    case 'zone':
      return rng.pick(ZONES);
    case 'email':
      return rng.pick(emails());
    case 'url':
      return rng.pick(urls(env.port));
    case 'boolean':
      return rng.pick<Malformed>([
        { label: 'string "true"', value: 'true' },
        { label: 'number 1', value: 1 },
        { label: 'string "yes"', value: 'yes' },
      ]);
    case 'array':
      return rng.pick<Malformed>([
        { label: 'array of nulls', value: [null, null] },
        { label: 'array of arrays', value: [[]] },
        { label: 'array of objects', value: [{}] },
        { label: 'mixed array', value: [1, 'a', true, null, {}, []] },
        { label: 'array of huge numbers', value: [1e308, new RawJson('1e999', Infinity)] },
        { label: 'array of negative and zero', value: [0, -1] },
        { label: 'array of fractions', value: [1.5, 5e-324] },
      ]);
    case 'object':
      return rng.pick<Malformed>([
        { label: 'object of arrays', value: { a: [[]] } },
        { label: 'object with numeric keys', value: { 0: 'a', 1: 'b' } },
        { label: 'object with empty key', value: { '': 'x' } },
        { label: 'constructor key', value: { constructor: { prototype: { polluted: 1 } } } },
      ]);
    case 'string':
    case 'any':
      return rng.pick([...UNICODE, ...NUMBERS.slice(2, 4)]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Request-level traps

/** Path parameter values that are not the canonical positive decimal id `id`. */
export function badIds(id: number): { label: string; text: string }[] {
  return [
    { label: 'hex alias', text: `0x${id.toString(16)}` },
    { label: 'exponent alias', text: `${id}e0` },
    { label: 'leading zero alias', text: `0${id}` },
    { label: 'leading space alias', text: `%20${id}` },
    { label: 'trailing space alias', text: `${id}%20` },
    { label: 'decimal alias', text: `${id}.0` },
    { label: 'plus alias', text: `%2B${id}` },
    { label: 'trailing NUL', text: `${id}%00` },
    { label: 'trailing letters', text: `${id}abc` },
    { label: 'negative', text: `-${id}` },
    { label: 'zero', text: '0' },
    { label: '1e22', text: '1e22' },
    { label: '30 nines', text: '9'.repeat(30) },
    { label: '2^53+1', text: '9007199254740993' },
    { label: 'NaN', text: 'NaN' },
    { label: 'Infinity', text: 'Infinity' },
    { label: 'null', text: 'null' },
    { label: 'emoji', text: '%F0%9F%98%80' },
    { label: 'lone surrogate (CESU)', text: '%ED%A0%80' },
    { label: 'overlong slash', text: '%C0%AF' },
    { label: 'bare percent', text: '%' },
    { label: 'bad escape %zz', text: '%zz' },
    { label: 'truncated UTF-8 escape', text: '%E0%A4%A' },
    { label: 'encoded dot-dot', text: '%2e%2e' },
    { label: 'encoded slash', text: `${id}%2F1` },
    { label: 'semicolon', text: `${id};x=1` },
    { label: '5000 digits', text: '1'.repeat(5000) },
  ];
}

export const BROKEN_JSON: { label: string; body: Buffer | string; wellFormed?: true }[] = [
  { label: 'open brace', body: '{' },
  { label: 'truncated object', body: '{"title":' },
  { label: 'truncated array', body: '[1,2' },
  { label: 'truncated literal', body: 'nul' },
  { label: 'extra brace', body: '{"title":"x"}}' },
  { label: 'trailing comma', body: '{"title":"x",}' },
  { label: 'single quotes', body: "{'title':'x'}" },
  { label: 'NaN literal', body: '{"duration":NaN}' },
  { label: 'bad escape', body: '{"title":"\\u00"}' },
  { label: 'raw control char in string', body: '{"title":"a\u0001b"}' },
  {
    label: 'invalid UTF-8 bytes',
    body: Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  },
  { label: 'UTF-16 body', body: Buffer.from('{"title":"x"}', 'utf16le') },
  { label: 'NUL bytes', body: Buffer.from([0, 0, 0, 0]) },
  { label: 'empty body', body: '' },
  { label: 'whitespace only', body: ' \n\t ' },
  { label: 'comment', body: '/* hi */ {}' },
  { label: 'two documents', body: '{}{}' },
  { label: 'duplicate keys', body: '{"title":"a","title":"b"}', wellFormed: true },
  { label: 'JSON null', body: 'null', wellFormed: true },
  { label: 'JSON true', body: 'true', wellFormed: true },
  { label: 'JSON number', body: '123', wellFormed: true },
  { label: 'JSON string', body: '"text"', wellFormed: true },
  { label: 'JSON array', body: '[]', wellFormed: true },
  { label: 'array of object', body: '[{}]', wellFormed: true },
  { label: '__proto__ key', body: '{"__proto__":{"isAdmin":true}}' },
  { label: 'constructor.prototype key', body: '{"constructor":{"prototype":{"isAdmin":true}}}' },
  { label: 'BOM then object', body: '\ufeff{}' },
  { label: '1e999 at top level', body: '1e999' },
  { label: '10000 digits', body: '9'.repeat(10000) },
];

export const CONTENT_TYPES: { label: string; value: string | undefined; acceptable?: true }[] = [
  { label: 'no content-type', value: undefined },
  { label: 'text/plain', value: 'text/plain' },
  { label: 'form', value: 'application/x-www-form-urlencoded' },
  { label: 'multipart', value: 'multipart/form-data; boundary=xyz' },
  { label: 'xml', value: 'application/xml' },
  { label: 'octet-stream', value: 'application/octet-stream' },
  { label: 'vendor +json', value: 'application/vnd.api+json' },
  { label: 'json-ish', value: 'application/jsonx' },
  { label: 'empty content-type', value: '' },
  { label: 'charset utf-16', value: 'application/json; charset=utf-16', acceptable: true },
  { label: 'upper case json', value: 'APPLICATION/JSON', acceptable: true },
  { label: 'json with junk params', value: 'application/json;;;a=b', acceptable: true },
];
