import { AppConfig, ConfigError, loadConfig } from './app-config';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toBeInstanceOf(AppConfig);
    expect(config).toEqual({
      port: 3000,
      host: '0.0.0.0',
      database: {
        type: 'sqlite',
        path: 'data/booking.sqlite',
        url: 'sqlite:data/booking.sqlite',
        synchronous: 'full',
      },
      adminApiKey: undefined,
      dataDir: 'data',
      siteName: 'Booking',
      siteUrl: 'http://localhost:3000',
      networkSiteUrl: 'http://localhost:3000',
      defaultTimezone: 'UTC',
      webhookTimeoutMs: 15000,
      webhookRetrySchedule: [5, 300, 1800, 7200, 18000, 36000, 36000],
      webhookAllowPrivateUrls: false,
      webhookWorker: true,
      webhookDisableAfterMs: 5 * 24 * 3600 * 1000,
      webhookPollIntervalMs: 1000,
      webhookConcurrency: 50,
      outboxRelayIntervalMs: 10000,
      outboxRetryBaseMs: 1000,
      outboxRetryMaxMs: 600000,
      outboxRetentionMs: 3 * 24 * 3600 * 1000,
      webhookLogRetentionMs: 30 * 24 * 3600 * 1000,
      retentionIntervalMs: 600000,
      logLevel: 'info',
      publicRateLimit: 120,
      publicRateLimitWrites: 20,
      publicRateLimitWindowSeconds: 60,
      publicFrameAncestors: [],
      trustProxy: false,
      logFormat: 'json',
      requestTimeoutMs: 30000,
    });
  });

  it('treats empty and blank values as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '   ', ADMIN_API_KEY: '' })).toMatchObject({
      port: 3000,
      logLevel: 'info',
      adminApiKey: undefined,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://booking@db.internal:5432/booking',
      ADMIN_API_KEY: 'a-long-enough-admin-key',
      DATA_DIR: '/var/lib/booking',
      SITE_NAME: 'Clinic',
      SITE_URL: 'https://book.example.com/',
      NETWORK_SITE_URL: 'https://example.com',
      DEFAULT_TIMEZONE: 'Europe/Berlin',
      WEBHOOK_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '5000',
      WEBHOOK_RETRY_SCHEDULE: '1, 2,0.5',
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_WORKER: 'no',
      WEBHOOK_DISABLE_AFTER_HOURS: '1',
      WEBHOOK_POLL_INTERVAL_MS: '250',
      WEBHOOK_CONCURRENCY: '8',
      OUTBOX_RELAY_INTERVAL_MS: '500',
      OUTBOX_RETRY_BASE_MS: '250',
      OUTBOX_RETRY_MAX_MS: '60000',
      OUTBOX_RETENTION_DAYS: '7',
      WEBHOOK_LOG_RETENTION_DAYS: '90',
      RETENTION_INTERVAL_MS: '60000',
      LOG_LEVEL: 'debug',
      PUBLIC_RATE_LIMIT: '30',
      PUBLIC_RATE_LIMIT_WRITES: '5',
      PUBLIC_RATE_LIMIT_WINDOW_SECONDS: '10',
      PUBLIC_FRAME_ANCESTORS: 'https://www.example.com, https://shop.example.com:8443',
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      LOG_FORMAT: 'pretty',
    });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      database: { type: 'postgres', url: 'postgres://booking@db.internal:5432/booking' },
      adminApiKey: 'a-long-enough-admin-key',
      dataDir: '/var/lib/booking',
      siteName: 'Clinic',
      siteUrl: 'https://book.example.com',
      networkSiteUrl: 'https://example.com',
      defaultTimezone: 'Europe/Berlin',
      webhookTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      webhookRetrySchedule: [1, 2, 0.5],
      webhookAllowPrivateUrls: true,
      webhookWorker: false,
      webhookDisableAfterMs: 3600 * 1000,
      webhookPollIntervalMs: 250,
      webhookConcurrency: 8,
      outboxRelayIntervalMs: 500,
      outboxRetryBaseMs: 250,
      outboxRetryMaxMs: 60000,
      outboxRetentionMs: 7 * 24 * 3600 * 1000,
      webhookLogRetentionMs: 90 * 24 * 3600 * 1000,
      retentionIntervalMs: 60000,
      logLevel: 'debug',
      publicRateLimit: 30,
      publicRateLimitWrites: 5,
      publicRateLimitWindowSeconds: 10,
      publicFrameAncestors: ['https://www.example.com', 'https://shop.example.com:8443'],
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
      logFormat: 'pretty',
    });
  });

  it('accepts the other database URL forms', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({
      type: 'sqlite',
      path: ':memory:',
      url: 'sqlite::memory:',
      synchronous: 'full',
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql://u:p@localhost/db' }).database.type).toBe('postgres');
  });

  it('reads SQLITE_SYNCHRONOUS in either case, full by default', () => {
    const sync = (value?: string) => {
      const database = loadConfig(value === undefined ? {} : { SQLITE_SYNCHRONOUS: value }).database;
      return database.type === 'sqlite' ? database.synchronous : undefined;
    };
    expect(sync()).toBe('full');
    expect(sync('normal')).toBe('normal');
    expect(sync('FULL')).toBe('full');
    expect(configError({ SQLITE_SYNCHRONOUS: 'off' }).message).toBe(
      'Invalid configuration: SQLITE_SYNCHRONOUS must be one of full, normal, got "off"',
    );
  });

  it('reads the retention windows in days, decimals allowed, 0 keeping everything', () => {
    expect(loadConfig({ OUTBOX_RETENTION_DAYS: '0.5', WEBHOOK_LOG_RETENTION_DAYS: '0' })).toMatchObject({
      outboxRetentionMs: 12 * 3600 * 1000,
      webhookLogRetentionMs: 0,
    });
  });

  it('points SITE_URL at the port the service listens on unless it is set', () => {
    expect(loadConfig({}).siteUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '3100' }).siteUrl).toBe('http://localhost:3100');
    expect(loadConfig({ PORT: '3100', SITE_URL: 'https://book.example.com' }).siteUrl).toBe(
      'https://book.example.com',
    );
  });

  it('lets NETWORK_SITE_URL default to SITE_URL', () => {
    expect(loadConfig({ SITE_URL: 'https://a.example.com' }).networkSiteUrl).toBe('https://a.example.com');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://root@localhost/booking'],
    ['DATABASE_URL', 'sqlite:'],
    ['DATABASE_URL', 'postgres://[not-a-host'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'colorful'],
    ['WEBHOOK_RETRY_SCHEDULE', '5,x'],
    ['WEBHOOK_RETRY_SCHEDULE', '5,,10'],
    ['WEBHOOK_RETRY_SCHEDULE', '-5'],
    ['WEBHOOK_RETRY_SCHEDULE', Array.from({ length: 51 }, () => '1').join(',')],
    ['DEFAULT_TIMEZONE', 'Mars/Base'],
    ['DEFAULT_TIMEZONE', '+02:00'],
    ['SITE_URL', 'ftp://x'],
    ['SITE_URL', 'not a url'],
    ['NETWORK_SITE_URL', 'mailto:admin@example.com'],
    ['WEBHOOK_ALLOW_PRIVATE_URLS', 'maybe'],
    ['WEBHOOK_WORKER', 'sometimes'],
    ['WEBHOOK_TIMEOUT_MS', '0'],
    ['WEBHOOK_TIMEOUT_MS', '15s'],
    ['WEBHOOK_DISABLE_AFTER_HOURS', '0'],
    ['WEBHOOK_POLL_INTERVAL_MS', '10'],
    ['WEBHOOK_CONCURRENCY', '0'],
    ['WEBHOOK_CONCURRENCY', 'many'],
    ['OUTBOX_RELAY_INTERVAL_MS', '10'],
    ['OUTBOX_RETRY_BASE_MS', '-1'],
    ['OUTBOX_RETRY_MAX_MS', '1.5'],
    ['ADMIN_API_KEY', 'too-short'],
    ['PUBLIC_RATE_LIMIT', '0'],
    ['PUBLIC_RATE_LIMIT_WRITES', 'lots'],
    ['PUBLIC_RATE_LIMIT_WINDOW_SECONDS', '0'],
    ['PUBLIC_FRAME_ANCESTORS', 'https://www.example.com/page'],
    ['PUBLIC_FRAME_ANCESTORS', "'self'"],
    ['TRUST_PROXY', 'maybe'],
    ['SQLITE_SYNCHRONOUS', 'off'],
    ['SQLITE_SYNCHRONOUS', 'extra'],
    ['OUTBOX_RETENTION_DAYS', '-1'],
    ['OUTBOX_RETENTION_DAYS', 'week'],
    ['WEBHOOK_LOG_RETENTION_DAYS', '3651'],
    ['RETENTION_INTERVAL_MS', '10'],
  ])('refuses %s=%s with an error naming the variable', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toMatch(/^Invalid configuration: /);
  });

  it('quotes the bad value so the operator sees what was read', () => {
    expect(configError({ PORT: 'abc' }).message).toBe(
      'Invalid configuration: PORT must be a whole number, got "abc"',
    );
    expect(configError({ LOG_LEVEL: 'loud' }).message).toContain('"loud"');
  });

  it('never echoes the admin key it refuses', () => {
    expect(configError({ ADMIN_API_KEY: 'short-secret' }).message).not.toContain('short-secret');
  });

  it.each(['true', 'TRUE', '1', 'yes'])('reads %s as true', (value) => {
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: value }).webhookAllowPrivateUrls).toBe(true);
  });

  it.each(['false', 'False', '0', 'no'])('reads %s as false', (value) => {
    expect(loadConfig({ WEBHOOK_WORKER: value }).webhookWorker).toBe(false);
  });

  it.each([
    ['true', true],
    ['false', false],
  ])('reads TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('accepts a 16-character admin key', () => {
    expect(loadConfig({ ADMIN_API_KEY: '0123456789abcdef' }).adminApiKey).toBe('0123456789abcdef');
  });
});
