import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { Transactions } from '../../src/database/transactions';
import { ADMIN_KEY } from './admin';

export { ADMIN_KEY, AUTH } from './admin';
export { freshDatabaseUrl, onPostgres, resetPostgres, TEST_DATABASE_URL } from './database';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** supertest bound to the running app. */
  http: () => ReturnType<typeof request>;
  url: string;
  close(): Promise<void>;
}

/** Boots the real application (real database, real HTTP on 127.0.0.1) with test configuration. */
export async function startTestApp(options: {
  databaseUrl: string;
  env?: Record<string, string>;
  /** Runs after the app is built and before it initializes (module hooks, outbox relay) and listens. */
  beforeListen?: (app: NestFastifyApplication) => void | Promise<void>;
}): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SITE_URL: 'https://booking.example.com',
    SITE_NAME: 'Test Site',
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    ...options.env,
  });
  const app = await createApp(config);
  await options.beforeListen?.(app);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const base = url.replace('[::1]', '127.0.0.1');
  return {
    app,
    config,
    url: base,
    http: () => request(base),
    close: () => app.close(),
  };
}

/**
 * Once every write begun so far has settled and what its callers do next has run: a commit is visible (to a
 * test's reads too) while its WAL sync runs on SQLite, before its caller hears of it (Transactions.settled).
 */
export async function writesSettled(t: { app: NestFastifyApplication }): Promise<void> {
  await t.app.get(Transactions).settled();
  // The callers' continuations are promise jobs: all of them run before the next turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
}
