/**
 * The one place that asks which database this is. The configuration says `postgres` or `sqlite`, TypeORM's
 * options say `postgres` or `better-sqlite3`: both are PostgreSQL exactly when their type is `postgres`.
 */
export function isPostgres<T extends { type: string }>(
  options: T,
): options is Extract<T, { type: 'postgres' }> {
  return options.type === 'postgres';
}
