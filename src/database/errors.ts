interface DriverError {
  code?: string;
  message?: string;
  driverError?: { code?: string; message?: string };
}

function codeOf(error: unknown): string | undefined {
  const e = error as DriverError | null;
  return e?.driverError?.code ?? e?.code;
}

function messageOf(error: unknown): string {
  const e = error as DriverError | null;
  return e?.driverError?.message ?? e?.message ?? '';
}

/** The driver's code of a database error (`23505`, `SQLITE_CONSTRAINT_CHECK`), or `unknown`. */
export function errorCode(error: unknown): string {
  return codeOf(error) ?? 'unknown';
}

/** A unique index refused the write (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * A foreign key refused the write or delete (SQLite or PostgreSQL). SQLite enforces `ON DELETE RESTRICT`
 * with an internal trigger, so it reports that refusal as SQLITE_CONSTRAINT_TRIGGER, not _FOREIGNKEY;
 * its message tells it apart from a trigger of our own.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = codeOf(error);
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return true;
  return code === 'SQLITE_CONSTRAINT_TRIGGER' && messageOf(error).includes('FOREIGN KEY constraint failed');
}
