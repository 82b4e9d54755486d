import type { Database, Statement } from 'better-sqlite3';

/** A value a statement binds: numbers, text, null, booleans (0/1 on SQLite), and lists on PostgreSQL. */
export type SqlValue = string | number | boolean | null | readonly number[] | readonly string[];

/** What the PostgreSQL side needs of a `pg` client or pool: a query with a statement name. */
export interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface SqliteEntry {
  statement: Statement;
  /** For each `?` in order, the index of its value in the parameters; null when `$1…$n` came in order. */
  order: number[] | null;
}

/**
 * Runs fixed SQL texts as prepared statements, on the driver itself rather than through the ORM: each text is
 * prepared once per connection and kept (the set of texts is fixed by the code, so the cache is bounded by
 * it). Texts use PostgreSQL's `$1…$n` placeholders on both databases; on SQLite they become `?`, in order,
 * with the values rearranged when a placeholder repeats or comes out of order. No text may hold a `$` digit
 * sequence inside a string literal.
 *
 * Rows come back as the driver gives them: on PostgreSQL bigint and numeric as strings, booleans as
 * booleans; on SQLite numbers and 0/1. The caller (a module's repository) maps them.
 */
export class PreparedSql {
  /** Per connection (a statement belongs to the connection that prepared it), by text. */
  private readonly sqlite = new WeakMap<Database, Map<string, SqliteEntry>>();
  private readonly postgresNames = new Map<string, string>();

  /** Runs `text` on SQLite: the rows of a reading statement (SELECT, RETURNING), otherwise none. */
  onSqlite<T>(db: Database, text: string, params: readonly SqlValue[]): T[] {
    let statements = this.sqlite.get(db);
    if (statements === undefined) {
      statements = new Map();
      this.sqlite.set(db, statements);
    }
    let entry = statements.get(text);
    if (entry === undefined) {
      entry = compileForSqlite(db, text);
      statements.set(text, entry);
    }
    const values = (entry.order === null ? params : entry.order.map((index) => params[index])).map(
      toSqliteValue,
    );
    if (entry.statement.reader) return entry.statement.all(...values) as T[];
    entry.statement.run(...values);
    return [];
  }

  /** Runs `text` on PostgreSQL as a named prepared statement of `client` (parsed once per connection). */
  async onPostgres<T>(client: PgQueryable, text: string, params: readonly SqlValue[]): Promise<T[]> {
    let name = this.postgresNames.get(text);
    if (name === undefined) {
      name = `prepared_sql_${this.postgresNames.size + 1}`;
      this.postgresNames.set(text, name);
    }
    const result = await client.query({ name, text, values: params as unknown[] });
    return result.rows as T[];
  }

  /** How many texts are prepared on this SQLite connection (for tests). */
  sqliteStatements(db: Database): number {
    return this.sqlite.get(db)?.size ?? 0;
  }
}

const PLACEHOLDER = /\$(\d+)/g;

function compileForSqlite(db: Database, text: string): SqliteEntry {
  const order: number[] = [];
  const sql = text.replace(PLACEHOLDER, (_match, digits: string) => {
    order.push(Number(digits) - 1);
    return '?';
  });
  const inOrder = order.every((index, position) => index === position);
  return { statement: db.prepare(sql), order: inOrder ? null : order };
}

function toSqliteValue(value: SqlValue | undefined): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return JSON.stringify(value);
  return value ?? null;
}
