import { isForeignKeyViolation, isUniqueViolation } from './errors';

const queryFailed = (code: string, message: string) => ({ message, driverError: { code, message } });

describe('database errors', () => {
  it.each([
    [
      'PostgreSQL',
      queryFailed('23503', 'update or delete on table "appointment_types" violates foreign key'),
    ],
    ['SQLite foreign key', queryFailed('SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed')],
    ['SQLite ON DELETE RESTRICT', queryFailed('SQLITE_CONSTRAINT_TRIGGER', 'FOREIGN KEY constraint failed')],
  ])('takes a %s refusal for a foreign key violation', (_name, error) => {
    expect(isForeignKeyViolation(error)).toBe(true);
  });

  it('does not take a refusal of another trigger for a foreign key violation', () => {
    expect(
      isForeignKeyViolation(queryFailed('SQLITE_CONSTRAINT_TRIGGER', 'appointments are read-only')),
    ).toBe(false);
    expect(isForeignKeyViolation(new Error('boom'))).toBe(false);
    expect(isForeignKeyViolation(null)).toBe(false);
  });

  it('tells unique violations apart', () => {
    expect(isUniqueViolation(queryFailed('23505', 'duplicate key'))).toBe(true);
    expect(isUniqueViolation(queryFailed('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed'))).toBe(true);
    expect(isUniqueViolation(queryFailed('SQLITE_CONSTRAINT_TRIGGER', 'FOREIGN KEY constraint failed'))).toBe(
      false,
    );
  });
});
