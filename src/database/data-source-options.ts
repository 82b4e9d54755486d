import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { isPostgres } from './dialect';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  if (isPostgres(database)) {
    return {
      type: 'postgres',
      url: database.url,
      // Handed over rather than found by TypeORM's own require('pg'), which a bundle cannot follow: npm start
      // (dist/bundle) would load a second pg from node_modules beside the bundled one the LISTEN client uses.
      driver: pg,
      migrations: MIGRATIONS,
      migrationsTransactionMode: 'each',
      // Pipelining: a transaction may send its next statements before the answer to the one before arrives
      // (a booking's reads behind its lock, its outbox row with its commit), sparing round trips while it
      // holds a lock. A statement sent alone behaves as without it.
      extra: { max: 20, pipeline: true },
    };
  }
  const inMemory = database.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(database.path), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: !inMemory,
    // Another process (a second instance, the migration CLI) may hold the write lock briefly.
    timeout: 10000,
    prepareDatabase: (db: Database) => {
      db.pragma('foreign_keys = ON');
      // FULL by default: a commit is on disk before the 201 (see SQLITE_SYNCHRONOUS).
      db.pragma(`synchronous = ${database.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    },
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
  };
}
