interface DriverError {
  code?: string;
  message?: string;
  driverError?: { code?: string; message?: string };
}

/**
 * The driver's code of a database error (`23505`, `3D000`, `SQLITE_CONSTRAINT_CHECK`, `ECONNREFUSED`), on the
 * error itself or on the driver's error TypeORM wrapped.
 */
export function errorCode(error: unknown): string | undefined {
  const e = error as DriverError | null;
  return e?.driverError?.code ?? e?.code;
}

function messageOf(error: unknown): string {
  const e = error as DriverError | null;
  return e?.driverError?.message ?? e?.message ?? '';
}

/**
 * The database refused the values written, not failed to write them: a data exception (class 22: a NUL in
 * text), a constraint or rule (class 23, a trigger's RAISE EXCEPTION) on PostgreSQL; a constraint, a value too
 * big or of the wrong type on SQLite. False for a database down, busy, or a connection lost, which writing the
 * same again later may get through.
 */
export function isValueRefusal(error: unknown): boolean {
  const code = errorCode(error);
  if (code === undefined) return false;
  if (/^2[23][0-9A-Z]{3}$/.test(code) || code === 'P0001') return true;
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH';
}

/** A unique index refused the write (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * A foreign key refused the write or delete (SQLite or PostgreSQL). SQLite enforces `ON DELETE RESTRICT`
 * with an internal trigger, so it reports that refusal as SQLITE_CONSTRAINT_TRIGGER, not _FOREIGNKEY;
 * its message tells it apart from a trigger of our own.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = errorCode(error);
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return true;
  return code === 'SQLITE_CONSTRAINT_TRIGGER' && messageOf(error).includes('FOREIGN KEY constraint failed');
}
