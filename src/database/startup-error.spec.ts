import type { DatabaseConfig } from '../config/app-config';
import { describeDatabaseStartupError, isPermanentConnectionError } from './startup-error';

function pgError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL' });
}

const POSTGRES: DatabaseConfig = {
  type: 'postgres',
  url: 'postgres://booker:s3cret@db.internal:5433/booking',
};

describe('isPermanentConnectionError', () => {
  it('gives up on a missing database and on refused credentials', () => {
    expect(isPermanentConnectionError(pgError('database "booking" does not exist', '3D000'))).toBe(true);
    expect(isPermanentConnectionError(pgError('password authentication failed', '28P01'))).toBe(true);
    expect(isPermanentConnectionError(pgError('no pg_hba.conf entry', '28000'))).toBe(true);
  });

  it('retries a server that is not up yet, and anything it does not know', () => {
    expect(isPermanentConnectionError(pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(
      false,
    );
    expect(isPermanentConnectionError(pgError('the database system is starting up', '57P03'))).toBe(false);
    expect(isPermanentConnectionError(new Error('no code'))).toBe(false);
    expect(isPermanentConnectionError(undefined)).toBe(false);
  });
});

describe('describeDatabaseStartupError', () => {
  it('names the database without its password and says how to create it', () => {
    const text = describeDatabaseStartupError(
      pgError('database "booking" does not exist', '3D000'),
      POSTGRES,
    );
    expect(text).toContain('postgres://booker:***@db.internal:5433/booking');
    expect(text).not.toContain('s3cret');
    expect(text).toContain('database "booking" does not exist [3D000]');
    expect(text).toContain('createdb -h db.internal -p 5433 -U booker booking');
  });

  it('points at the credentials or at the server', () => {
    expect(
      describeDatabaseStartupError(pgError('password authentication failed', '28P01'), POSTGRES),
    ).toContain('Check the user and password');
    expect(describeDatabaseStartupError(pgError('connect ECONNREFUSED', 'ECONNREFUSED'), POSTGRES)).toContain(
      'Is PostgreSQL running there',
    );
  });

  it('leaves other failures, and SQLite, to the log as they are', () => {
    expect(
      describeDatabaseStartupError(pgError('relation "x" does not exist', '42P01'), POSTGRES),
    ).toBeUndefined();
    expect(describeDatabaseStartupError(new Error('boom'), POSTGRES)).toBeUndefined();
    const sqlite: DatabaseConfig = {
      type: 'sqlite',
      path: 'x.sqlite',
      url: 'sqlite:x.sqlite',
      synchronous: 'full',
    };
    expect(describeDatabaseStartupError(pgError('x', 'SQLITE_CANTOPEN'), sqlite)).toBeUndefined();
  });
});
