import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/database/migrations';
import { runMigrations } from '../src/database/run-migrations';
import { freshDatabaseUrl, onPostgres } from './support/test-app';

describe('migrations run by instances started together (e2e)', () => {
  // Scaling out is on PostgreSQL; on SQLite one file has one writer.
  (onPostgres ? it : it.skip)(
    'migrates an empty database once when several instances start at the same moment',
    async () => {
      const url = await freshDatabaseUrl();
      const options = dataSourceOptions(
        loadConfig({ DATABASE_URL: url, ADMIN_API_KEY: 'x'.repeat(32) }).database,
      );
      const instances = await Promise.all(
        Array.from({ length: 3 }, () => new DataSource(options).initialize()),
      );
      try {
        // Without the lock every instance ran every migration, and all but one failed ("already exists").
        const ran = await Promise.all(instances.map((dataSource) => runMigrations(dataSource)));
        expect(ran.map((migrations) => migrations.length).sort((a, b) => a - b)).toEqual([
          0,
          0,
          MIGRATIONS.length,
        ]);
        const rows = await instances[0].query<Array<{ name: string }>>('SELECT name FROM migrations');
        expect(rows).toHaveLength(MIGRATIONS.length);
        expect(new Set(rows.map((row) => row.name)).size).toBe(MIGRATIONS.length);
      } finally {
        await Promise.all(instances.map((dataSource) => dataSource.destroy()));
      }
    },
  );
});
