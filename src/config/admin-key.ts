import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResolvedAdminKey {
  key: string;
  /** Set when this start generated the key: the only time it is printed. */
  generatedAt?: string;
  /** The file the key is kept in, when it is not configured by ADMIN_API_KEY. */
  storedIn?: string;
}

/**
 * The configured key, or the one generated on an earlier start, or a new one written with mode 0600
 * so that only the service's user can read it.
 */
export function resolveAdminKey(configured: string | undefined, dataDir: string): ResolvedAdminKey {
  if (configured !== undefined) return { key: configured };
  const file = join(dataDir, 'admin-api-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), storedIn: file };
  mkdirSync(dataDir, { recursive: true });
  const key = newAdminKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, generatedAt: file, storedIn: file };
}

/**
 * 192 random bits in base64url after a fixed `admin_`: base64url alone starts with '-' once in 64 keys, and
 * such a key reads as an option on a command line (`webhook:listen --key -x…` stops as "ambiguous"). The
 * prefix adds no guessable part to the random one, and names the secret where it is pasted.
 */
export function newAdminKey(): string {
  return `admin_${randomBytes(24).toString('base64url')}`;
}
