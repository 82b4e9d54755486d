/**
 * Run by bench/startup.bench.ts in a fresh process: boots the compiled service (dist/) step by step and prints
 * where the time goes as one JSON line. Module loading is split by the heaviest packages, loaded first one by
 * one (each figure is what that package adds to what was already loaded).
 */
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const dist = (path: string) => join(ROOT, 'dist', path);

async function main(): Promise<void> {
  const times: Record<string, number> = {};
  let mark = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    times[name] = now - mark;
    mark = now;
  };
  times['process start to probe (node + ts-node register)'] = performance.now();
  for (const pkg of [
    'reflect-metadata',
    '@nestjs/core',
    '@nestjs/platform-fastify',
    'typeorm',
    '@nestjs/typeorm',
    'better-sqlite3',
    '@nestjs/swagger',
    'class-validator',
    'moment-timezone',
    'ical-generator',
    'pino',
    '@nestjs/axios',
  ]) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(pkg);
    step(`load ${pkg}`);
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createApp } = require(dist('src/app.factory')) as typeof import('../../src/app.factory');
  const { loadConfig } = require(
    dist('src/config/app-config'),
  ) as typeof import('../../src/config/app-config');
  const { buildOpenApiDocument } = require(dist('src/swagger')) as typeof import('../../src/swagger');
  const { DataSource } = require('typeorm') as typeof import('typeorm');
  /* eslint-enable @typescript-eslint/no-require-imports */
  step('load the application modules (dist/src)');
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
  const app = await createApp(config);
  step('createApp: Nest modules, TypeORM connect, migrations, routes');
  await app.listen(0, '127.0.0.1');
  step('listen');
  const total = performance.now();
  const dataSource = app.get(DataSource);
  const started = performance.now();
  await dataSource.showMigrations();
  times['(aside) migrations check alone, nothing pending'] = performance.now() - started;
  const docStarted = performance.now();
  buildOpenApiDocument(app);
  times['(aside) OpenAPI document build, lazy: on first /docs request'] = performance.now() - docStarted;
  await app.close();
  console.log(`PROBE ${JSON.stringify({ total, times })}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
