import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { resolveAdminKey } from './config/admin-key';
import { ConfigError, loadConfig } from './config/app-config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const adminKey = resolveAdminKey(config.adminApiKey, config.dataDir);
  config.adminApiKey = adminKey.key;

  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  if (adminKey.generatedAt) {
    process.stdout.write(
      `\nGenerated an admin API key (stored in ${adminKey.generatedAt}, shown only this once):\n\n  ${adminKey.key}\n\n` +
        `Use it as: curl -H "Authorization: Bearer ${adminKey.key}" ${config.siteUrl}/api/v1/appointment-types\n` +
        `or set ADMIN_API_KEY yourself. Swagger UI: ${config.siteUrl}/docs\n\n`,
    );
  }
  new Logger('Bootstrap').log({ msg: 'listening', url, database: config.database.type });
}

void main();
