import { LOG_FORMATS, type LogFormat } from '../common/logging/pretty-log';
import { canonicalTimeZone, isValidTimeZone } from '../common/validation/time-zone';

/**
 * SQLite's `synchronous` pragma. `full` (the default): a commit answered 201 survives a power loss or OS crash.
 * `normal`: WAL commits are not fsynced; a process crash still loses nothing, a power loss may lose the last ones.
 */
export type SqliteSynchronous = 'full' | 'normal';
export const SQLITE_SYNCHRONOUS_VALUES: readonly SqliteSynchronous[] = ['full', 'normal'];

export type DatabaseConfig =
  | { type: 'sqlite'; path: string; url: string; synchronous: SqliteSynchronous }
  | { type: 'postgres'; url: string };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The whole configuration, typed and validated once at boot. Services receive it by injection. */
export class AppConfig {
  port!: number;
  host!: string;
  database!: DatabaseConfig;
  /** Undefined when not configured: the bootstrap generates and stores one (see admin-key.ts). */
  adminApiKey?: string;
  dataDir!: string;
  siteName!: string;
  siteUrl!: string;
  networkSiteUrl!: string;
  defaultTimezone!: string;
  webhookTimeoutMs!: number;
  /** How long a client may take to send a whole request (its headers and body) before a 408. */
  requestTimeoutMs!: number;
  /** Seconds to wait before each retry; its length + 1 is the number of attempts. */
  webhookRetrySchedule!: number[];
  webhookAllowPrivateUrls!: boolean;
  webhookWorker!: boolean;
  /** A webhook with no success for this long is disabled. */
  webhookDisableAfterMs!: number;
  /** How often a worker looks for due retries and expired leases; new deliveries are sent at once regardless. */
  webhookPollIntervalMs!: number;
  /** Attempts in flight at once per instance. */
  webhookConcurrency!: number;
  outboxRelayIntervalMs!: number;
  /** Back-off of a failing event: the first retry after this long, doubling each time, up to the max. */
  outboxRetryBaseMs!: number;
  outboxRetryMaxMs!: number;
  /** Handled outbox events older than this are deleted (0: kept forever). */
  outboxRetentionMs!: number;
  /** Finished webhook deliveries and their attempts older than this are deleted (0: kept forever). */
  webhookLogRetentionMs!: number;
  /** How often the pruner runs. */
  retentionIntervalMs!: number;
  logLevel!: LogLevel;
  /** Requests per client IP per window, over all public routes and pages together. */
  publicRateLimit!: number;
  /** Writes (bookings, reschedules, cancels, form posts) per client IP per window. */
  publicRateLimitWrites!: number;
  publicRateLimitWindowSeconds!: number;
  /** Origins allowed to frame the public pages (CSP frame-ancestors); empty: none. */
  publicFrameAncestors!: string[];
  /** Fastify's trustProxy: whether X-Forwarded-For names the client IP (from any proxy, or from these). */
  trustProxy!: boolean | string[];
  /** `json` lines for collectors, `pretty` lines for a terminal. */
  logFormat!: LogFormat;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `must be a number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function httpUrl(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

function database(env: Env): DatabaseConfig {
  const url = read(env, 'DATABASE_URL') ?? 'sqlite:data/booking.sqlite';
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '')
      throw new ConfigError('DATABASE_URL', 'needs a file after "sqlite:" (or sqlite::memory:)');
    return { type: 'sqlite', path, url, synchronous: sqliteSynchronous(env) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return { type: 'postgres', url };
  }
  throw new ConfigError('DATABASE_URL', 'must start with sqlite: or postgres://');
}

function sqliteSynchronous(env: Env): SqliteSynchronous {
  const raw = read(env, 'SQLITE_SYNCHRONOUS')?.toLowerCase() ?? 'full';
  if (!(SQLITE_SYNCHRONOUS_VALUES as readonly string[]).includes(raw)) {
    throw new ConfigError(
      'SQLITE_SYNCHRONOUS',
      `must be one of ${SQLITE_SYNCHRONOUS_VALUES.join(', ')}, got "${read(env, 'SQLITE_SYNCHRONOUS')}"`,
    );
  }
  return raw as SqliteSynchronous;
}

function retrySchedule(env: Env): number[] {
  const raw = read(env, 'WEBHOOK_RETRY_SCHEDULE');
  if (raw === undefined) return DEFAULT_RETRY_SCHEDULE;
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.length > 50 || parts.some((part) => !/^\d+(\.\d+)?$/.test(part))) {
    throw new ConfigError(
      'WEBHOOK_RETRY_SCHEDULE',
      `must be a comma-separated list of seconds (at most 50), got "${raw}"`,
    );
  }
  return parts.map(Number);
}

function origins(env: Env, name: string): string[] {
  const raw = read(env, name);
  if (raw === undefined) return [];
  return raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => {
      let url: URL | undefined;
      try {
        url = new URL(part);
      } catch {
        url = undefined;
      }
      if (
        !url ||
        (url.protocol !== 'http:' && url.protocol !== 'https:') ||
        url.origin !== part.replace(/\/$/, '')
      ) {
        throw new ConfigError(name, `must list origins such as https://www.example.com, got "${part}"`);
      }
      return url.origin;
    });
}

function trustProxy(env: Env): boolean | string[] {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || /^(false|no)$/i.test(raw)) return false;
  if (/^(true|yes)$/i.test(raw)) return true;
  const addresses = raw.split(',').map((part) => part.trim());
  if (addresses.some((part) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(part))) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must be true, false, or proxy addresses/CIDRs separated by commas, got "${raw}"`,
    );
  }
  return addresses;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const defaultTimezone = read(env, 'DEFAULT_TIMEZONE') ?? 'UTC';
  if (!isValidTimeZone(defaultTimezone)) {
    throw new ConfigError('DEFAULT_TIMEZONE', `must be an IANA time zone, got "${defaultTimezone}"`);
  }
  const logLevel = (read(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const logFormat = (read(env, 'LOG_FORMAT') ?? 'json') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) {
    throw new ConfigError('LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')}, got "${logFormat}"`);
  }
  const adminApiKey = read(env, 'ADMIN_API_KEY');
  if (adminApiKey !== undefined && adminApiKey.length < 16) {
    throw new ConfigError('ADMIN_API_KEY', 'must be at least 16 characters long');
  }
  const port = integer(env, 'PORT', 3000, 0, 65535);
  // Links in payloads and pages point at this service: on another port, so do they (unless SITE_URL says).
  const siteUrl = httpUrl(env, 'SITE_URL', `http://localhost:${port === 0 ? 3000 : port}`);

  return Object.assign(new AppConfig(), {
    port,
    host: read(env, 'HOST') ?? '0.0.0.0',
    database: database(env),
    adminApiKey,
    dataDir: read(env, 'DATA_DIR') ?? 'data',
    siteName: read(env, 'SITE_NAME') ?? 'Booking',
    siteUrl,
    networkSiteUrl: httpUrl(env, 'NETWORK_SITE_URL', siteUrl),
    defaultTimezone: canonicalTimeZone(defaultTimezone),
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 15000, 1, 600000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30000, 1000, 600000),
    webhookRetrySchedule: retrySchedule(env),
    webhookAllowPrivateUrls: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_URLS', false),
    webhookWorker: boolean(env, 'WEBHOOK_WORKER', true),
    webhookDisableAfterMs: Math.round(
      decimal(env, 'WEBHOOK_DISABLE_AFTER_HOURS', 120, 0.0001, 24 * 365) * 3600 * 1000,
    ),
    webhookPollIntervalMs: integer(env, 'WEBHOOK_POLL_INTERVAL_MS', 1000, 50, 600000),
    webhookConcurrency: integer(env, 'WEBHOOK_CONCURRENCY', 50, 1, 1000),
    outboxRelayIntervalMs: integer(env, 'OUTBOX_RELAY_INTERVAL_MS', 10000, 100, 3600000),
    outboxRetryBaseMs: integer(env, 'OUTBOX_RETRY_BASE_MS', 1000, 0, 3600000),
    outboxRetryMaxMs: integer(env, 'OUTBOX_RETRY_MAX_MS', 600000, 0, 86400000),
    outboxRetentionMs: Math.round(decimal(env, 'OUTBOX_RETENTION_DAYS', 3, 0, 3650) * DAY_MS),
    webhookLogRetentionMs: Math.round(decimal(env, 'WEBHOOK_LOG_RETENTION_DAYS', 30, 0, 3650) * DAY_MS),
    retentionIntervalMs: integer(env, 'RETENTION_INTERVAL_MS', 600000, 1000, 86400000),
    logLevel,
    publicRateLimit: integer(env, 'PUBLIC_RATE_LIMIT', 120, 1, 1_000_000),
    publicRateLimitWrites: integer(env, 'PUBLIC_RATE_LIMIT_WRITES', 20, 1, 1_000_000),
    publicRateLimitWindowSeconds: integer(env, 'PUBLIC_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86400),
    publicFrameAncestors: origins(env, 'PUBLIC_FRAME_ANCESTORS'),
    trustProxy: trustProxy(env),
    logFormat,
  });
}
