import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = join(__dirname, '..', '..');
export const STARTUP_MS = 60_000;
export const SHUTDOWN_MS = 10_000;

export interface Server {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The arguments `npm start` gives node (package.json), to run the build exactly as a user does. */
export function npmStartArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [command, ...args] = scripts.start.split(' ');
  if (command !== 'node') throw new Error(`npm start runs "${scripts.start}": expected "node …"`);
  return args;
}

/**
 * Runs `src/main.ts` (through ts-node, so without a build), or `args` (e.g. npmStartArgs()), as the service runs
 * in production: its own process, configured by environment only.
 */
export function run(
  env: Record<string, string>,
  args = ['--require', 'ts-node/register/transpile-only', 'src/main.ts'],
): Server {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, url: `http://127.0.0.1:${env.PORT}`, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the "listening" log line, which comes after the key banner. */
export async function started(server: Server, withinMs = STARTUP_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  let exited = false;
  void server.exited.then(() => (exited = true));
  while (!server.stdout().includes('"msg":"listening"')) {
    if (exited) throw new Error(`the service exited during start-up:\n${server.stderr()}`);
    if (Date.now() > deadline) throw new Error(`the service did not start:\n${server.stderr()}`);
    await sleep(50);
  }
}

export async function stopped(
  server: Server,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timeout = sleep(SHUTDOWN_MS).then(() => {
    throw new Error(`the service did not stop within ${SHUTDOWN_MS} ms`);
  });
  return Promise.race([server.exited, timeout]);
}

/**
 * The service (through ts-node) in a process of its own on a new SQLite file, logging at info, once it listens:
 * for tests that read its log. A busy machine takes long to compile and boot a second copy of the service.
 */
export async function startLoggingService(adminKey: string): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'booking-logs-'));
  const server = run({
    DATA_DIR: dir,
    DATABASE_URL: `sqlite:${join(dir, 'booking.sqlite')}`,
    PORT: String(await freePort()),
    ADMIN_API_KEY: adminKey,
    LOG_LEVEL: 'info',
  });
  await started(server, 180_000);
  return server;
}

/** Ends every service process a test started and did not stop. */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}
