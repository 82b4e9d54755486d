import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { runMigrations } from '../database/run-migrations';

/**
 * `npm run migration:run` / `migration:revert`: the app's migrations against DATABASE_URL, one line per
 * migration (TypeORM's own CLI prints every query it runs, hundreds of lines for a fresh database).
 */
async function main(command: string | undefined): Promise<void> {
  if (command !== 'run' && command !== 'revert') {
    process.stderr.write('usage: migrate run|revert\n');
    process.exit(2);
  }
  const dataSource = new DataSource(dataSourceOptions(loadConfig().database));
  await dataSource.initialize();
  try {
    if (command === 'revert') {
      const last = await lastRun(dataSource);
      if (last === undefined) {
        process.stdout.write('Nothing to revert: no migration has run.\n');
        return;
      }
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write(`Reverted ${last.name}\n`);
      return;
    }
    const ran = await runMigrations(dataSource);
    for (const migration of ran) process.stdout.write(`Ran ${migration.name}\n`);
    process.stdout.write(ran.length === 0 ? 'Nothing to run: the schema is up to date.\n' : 'Done.\n');
  } finally {
    await dataSource.destroy();
  }
}

/** The migration `undoLastMigration` reverts (the last to run: the highest id, as TypeORM picks it), if any. */
async function lastRun(dataSource: DataSource): Promise<{ name: string } | undefined> {
  const runner = dataSource.createQueryRunner();
  try {
    if (!(await runner.hasTable('migrations'))) return undefined;
    const rows = (await runner.query('SELECT name FROM migrations ORDER BY id DESC LIMIT 1')) as {
      name: string;
    }[];
    return rows[0];
  } finally {
    await runner.release();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});
