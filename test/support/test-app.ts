import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app-config';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const AUTH = { Authorization: `Bearer ${ADMIN_KEY}` };

/** The PostgreSQL run sets TEST_DATABASE_URL; otherwise each test file gets its own SQLite file. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const onPostgres = TEST_DATABASE_URL !== undefined;

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** supertest bound to the running app. */
  http: () => ReturnType<typeof request>;
  url: string;
  close(): Promise<void>;
}

/** Empties a PostgreSQL database (its public schema) for a test file or a benchmark run. */
export async function resetPostgres(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS public CASCADE');
    await client.query('CREATE SCHEMA public');
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file: a new SQLite file, or an emptied PostgreSQL schema. */
export async function freshDatabaseUrl(): Promise<string> {
  if (TEST_DATABASE_URL === undefined) {
    return `sqlite:${join(mkdtempSync(join(tmpdir(), 'booking-e2e-')), 'test.sqlite')}`;
  }
  await resetPostgres(TEST_DATABASE_URL);
  return TEST_DATABASE_URL;
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
