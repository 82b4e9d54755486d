import type { Database } from 'better-sqlite3';

/**
 * The file a SQLite connection has open as its main database, as SQLite resolved it (a symlink's target, beside
 * which SQLite keeps the `-wal` and `-shm` files); undefined for an in-memory or temporary database.
 */
export function sqliteFile(db: Database): string | undefined {
  const files = db.pragma('database_list') as { name: string; file: string }[];
  const main = files.find((file) => file.name === 'main')?.file ?? '';
  return main === '' ? undefined : main;
}
