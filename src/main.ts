import './node-version';
import './v8-flags';
import './compile-cache';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { styleText } from 'node:util';
import { createApp } from './app.factory';
import { resolveAdminKey } from './config/admin-key';
import { ConfigError, loadConfig } from './config/app-config';
import { describeDatabaseStartupError } from './database/startup-error';
import { announceStarted } from './service-started';

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

  let app;
  try {
    app = await createApp(config);
  } catch (error) {
    const explained = describeDatabaseStartupError(error, config.database);
    if (explained === undefined) throw error;
    process.stderr.write(explained);
    process.exit(1);
  }
  const logger = new Logger('Bootstrap');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => logger.log({ msg: 'shutting down', signal }));
  }
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    process.stderr.write(
      `Port ${config.port} on ${config.host} is already in use (another instance?). ` +
        'Stop it, or start this one with PORT=<another port>.\n',
    );
    await app.close();
    process.exit(1);
  }
  const url = await app.getUrl();
  if (adminKey.generatedAt)
    process.stdout.write(adminKeyBanner(adminKey.key, adminKey.generatedAt, config.siteUrl));
  logger.log({
    msg: 'listening',
    url,
    database: config.database.type,
    docs: `${config.siteUrl}/docs`,
    webhooks: config.webhookWorker
      ? 'sent by this instance'
      : 'not sent by this instance (WEBHOOK_WORKER=false)',
    // Where the key is, for whoever missed the banner of the first start (never the key itself).
    admin_key: adminKey.storedIn ?? 'ADMIN_API_KEY',
  });
  announceStarted();
}

/** Framed (and coloured on a terminal) so that the one-time key stands out between JSON log lines. */
function adminKeyBanner(key: string, file: string, siteUrl: string): string {
  const color = process.stdout.isTTY && !process.env.NO_COLOR;
  const rule = '━'.repeat(78);
  const paint = (style: Parameters<typeof styleText>[0], text: string) =>
    color ? styleText(style, text) : text;
  return [
    '',
    paint('yellow', rule),
    paint(['bold', 'yellow'], `  Generated an admin API key (stored in ${file}, shown only this once):`),
    '',
    `    ${paint('bold', key)}`,
    '',
    `  Use it as: curl -H "Authorization: Bearer ${key}" ${siteUrl}/api/v1/appointment-types`,
    `  or set ADMIN_API_KEY yourself. Swagger UI: ${siteUrl}/docs (press Authorize)`,
    paint('yellow', rule),
    '',
    '',
  ].join('\n');
}

void main();
