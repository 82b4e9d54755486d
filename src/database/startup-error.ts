import type { DatabaseConfig } from '../config/app-config';
import { isPostgres } from './dialect';
import { errorCode } from './errors';

/**
 * What a start-up does when the database cannot be opened. A server that is not up yet (refused, timed out,
 * still starting) is worth TypeORM's retries, ten of them three seconds apart; a database that does not exist
 * (SQLSTATE 3D000) or credentials the server refuses (class 28) are not: they failed ten times over 27 s, each
 * with a stack trace, and the process then died on a line without the reason.
 */
export function isPermanentConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  return code === '3D000' || (code !== undefined && /^28[0-9A-Z]{3}$/.test(code));
}

/** Errors of reaching or opening PostgreSQL at all: SQLSTATEs of the connection classes, and socket errors. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * One paragraph for stderr when the start-up failed to open PostgreSQL, naming the database (never the password)
 * and what to do; undefined for any other failure, which Nest has already logged as it is.
 */
export function describeDatabaseStartupError(error: unknown, database: DatabaseConfig): string | undefined {
  if (!isPostgres(database)) return undefined;
  const code = errorCode(error);
  if (code === undefined) return undefined;
  const permanent = isPermanentConnectionError(error);
  if (!permanent && !CONNECTION_CODES.has(code) && !code.startsWith('08') && code !== '57P03')
    return undefined;
  const url = new URL(database.url);
  if (url.password !== '') url.password = '***';
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(the user’s default)';
  const reason = error instanceof Error ? error.message : String(error);
  const hint =
    code === '3D000'
      ? `Create it first (createdb -h ${url.hostname} -p ${url.port || '5432'}` +
        `${url.username ? ` -U ${decodeURIComponent(url.username)}` : ''} ${name}), or fix DATABASE_URL.`
      : permanent
        ? 'Check the user and password in DATABASE_URL (and the server’s pg_hba.conf).'
        : 'Is PostgreSQL running there, and does DATABASE_URL name the right host and port?';
  return `Cannot open the database ${url.toString()} (DATABASE_URL): ${reason} [${code}]\n${hint}\n`;
}
