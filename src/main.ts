import './node-version';
import './v8-flags';
import './compile-cache';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createServer } from 'node:net';
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
  // Before anything is logged or stored: found at listen, a taken port followed Nest's "successfully started",
  // with Nest's JSON line repeating it, and a first start's key was stored without its banner being shown.
  if (await portTaken(config.port, config.host)) {
    process.stderr.write(portTakenMessage(config));
    process.exit(1);
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
    // Taken since portTaken looked.
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    process.stderr.write(portTakenMessage(config));
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

/** Whether another process listens on `port` at `host`; any other failure to listen is left to the service's listen. */
function portTaken(port: number, host: string): Promise<boolean> {
  if (port === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}

function portTakenMessage(config: { port: number; host: string }): string {
  return (
    `Port ${config.port} on ${config.host} is already in use (another instance?). ` +
    'Stop it, or start this one with PORT=<another port>.\n'
  );
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
