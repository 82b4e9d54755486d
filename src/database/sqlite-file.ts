import type { Database } from 'better-sqlite3';

/** By connection: a connection's main file never changes. */
const files = new WeakMap<Database, string | undefined>();

/**
 * The file a SQLite connection has open as its main database, as SQLite resolved it (a symlink's target, beside
 * which SQLite keeps the `-wal` and `-shm` files); undefined for an in-memory or temporary database. Looked up
 * once per connection.
 */
export function sqliteFile(db: Database): string | undefined {
  if (!files.has(db)) {
    const list = db.pragma('database_list') as { name: string; file: string }[];
    const main = list.find((entry) => entry.name === 'main')?.file ?? '';
    files.set(db, main === '' ? undefined : main);
  }
  return files.get(db);
}
