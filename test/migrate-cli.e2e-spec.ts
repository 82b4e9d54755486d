import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { MIGRATIONS } from '../src/database/migrations';
import { freshDatabaseUrl } from './support/test-app';

/** `npm run migration:run` / `migration:revert` say what they did, naming each migration. */
describe('migration CLI (e2e)', () => {
  it('names the migration a revert takes back, and says when there is none', async () => {
    const url = await freshDatabaseUrl();
    const migrate = (command: 'run' | 'revert') =>
      execFileSync(
        process.execPath,
        ['--require', 'ts-node/register/transpile-only', join(__dirname, '../src/cli/migrate.ts'), command],
        { env: { PATH: process.env.PATH ?? '', DATABASE_URL: url }, encoding: 'utf8' },
      );
    const last = MIGRATIONS[MIGRATIONS.length - 1].name;
    const before = MIGRATIONS[MIGRATIONS.length - 2].name;
    expect(migrate('revert')).toBe('Nothing to revert: no migration has run.\n');
    expect(migrate('run')).toContain(`Ran ${last}\nDone.\n`);
    expect(migrate('revert')).toBe(`Reverted ${last}\n`);
    expect(migrate('revert')).toBe(`Reverted ${before}\n`);
    expect(migrate('run')).toBe(`Ran ${before}\nRan ${last}\nDone.\n`);
  }, 120_000);
});
