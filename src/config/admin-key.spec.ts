import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newAdminKey, resolveAdminKey } from './admin-key';

describe('resolveAdminKey', () => {
  let root: string;
  let dataDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'admin-key-'));
    dataDir = join(root, 'nested', 'data');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('generates a key on first start and stores it readable by the owner only', () => {
    const first = resolveAdminKey(undefined, dataDir);
    const file = join(dataDir, 'admin-api-key');
    expect(first.generatedAt).toBe(file);
    expect(first.key).toMatch(/^admin_[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('generates keys that never start with "-", which a command line would read as an option', () => {
    // Without the prefix, one key in 64 starts with '-': all of 5000 missing it has odds of e^-78.
    const keys = Array.from({ length: 5000 }, newAdminKey);
    expect(keys.filter((key) => key.startsWith('-'))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys.slice(0, 100)) expect(Buffer.from(key.slice(6), 'base64url')).toHaveLength(24);
  });

  it('reuses the stored key on the next start without reporting it as generated', () => {
    const first = resolveAdminKey(undefined, dataDir);
    const second = resolveAdminKey(undefined, dataDir);
    expect(second).toEqual({ key: first.key, storedIn: join(dataDir, 'admin-api-key') });
    expect(second.generatedAt).toBeUndefined();
  });

  it('generates a different key for each data directory', () => {
    const a = resolveAdminKey(undefined, join(root, 'a'));
    const b = resolveAdminKey(undefined, join(root, 'b'));
    expect(a.key).not.toBe(b.key);
  });

  it('lets a configured key win over the stored one, and writes nothing', () => {
    const stored = resolveAdminKey(undefined, dataDir);
    expect(resolveAdminKey('configured-key-0123456789', dataDir)).toEqual({
      key: 'configured-key-0123456789',
    });
    expect(readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim()).toBe(stored.key);

    const empty = join(root, 'untouched');
    expect(resolveAdminKey('configured-key-0123456789', empty).generatedAt).toBeUndefined();
    expect(() => statSync(empty)).toThrow();
  });
});
