/**
 * Run by bench/startup.bench.ts: starts the service as `npm start` does (on a new SQLite database, so with its
 * migrations) and says where the time goes, as one JSON line. The steps are read from the service's own log
 * lines (their `time`, against the moment of the spawn): Nest logs when it starts creating the application and
 * when it is done, Fastify when it listens. Loading the bundle alone is timed in a process of its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, NPM_START_ARGS, ROOT } from './harness';

/** The bundle, and the launcher `npm start` runs (it exports what it does: loadBundle). */
const BUNDLE = join(ROOT, 'dist', 'bundle', 'app.js');
const LAUNCHER = join(ROOT, 'dist', 'bundle', 'main.js');

const STEPS: Array<[name: string, logLine: string]> = [
  ['node start, loading the bundle, configuration', 'Starting Nest application...'],
  ['Nest modules, TypeORM connect, migrations', 'Nest application successfully started'],
  ['listen', 'Server listening at'],
];

/**
 * Loading alone: the launcher's loadBundle (V8 compiles the bundle, from its code cache when there is one, and
 * runs the top level of every module in it), then an exit before the start-up goes any further. The exit code
 * is not 0, so that the launcher keeps no code cache of this partial run.
 */
function bundleLoadMs(env: NodeJS.ProcessEnv): number {
  const code =
    `const { loadBundle } = require(${JSON.stringify(LAUNCHER)}); const t = performance.now(); ` +
    `loadBundle(${JSON.stringify(BUNDLE)}); console.log('LOADED', performance.now() - t); process.exit(2);`;
  const result = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, env, encoding: 'utf8' });
  const loaded = /LOADED (\S+)/.exec(result.stdout);
  if (!loaded) throw new Error(`the bundle did not load:\n${result.stderr}`);
  return Number(loaded[1]);
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
  const port = await freePort();
  const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' };
  const spawned = Date.now();
  const child = spawn(process.execPath, NPM_START_ARGS, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logged = new Map<string, number>();
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const line of stdout.split('\n')) {
      const entry = /"time":"([^"]+)".*"msg":"([^"]+)"/.exec(line);
      if (entry) logged.set(entry[2], Date.parse(entry[1]));
    }
  });
  let healthy: number | undefined;
  const deadline = Date.now() + 60_000;
  while (healthy === undefined) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no healthy start:\n${stdout}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) healthy = Date.now();
    } catch {
      await sleep(5);
    }
  }
  const times: Record<string, number> = {};
  let mark = spawned;
  for (const [name, logLine] of STEPS) {
    const at = [...logged].find(([msg]) => msg.startsWith(logLine))?.[1];
    if (at === undefined) throw new Error(`no "${logLine}" log line:\n${stdout}`);
    times[name] = at - mark;
    mark = at;
  }
  times['first GET /health answered'] = healthy - mark;
  const docsStarted = performance.now();
  await (await fetch(`http://127.0.0.1:${port}/docs-json`)).text();
  times['(aside) first GET /docs-json, which builds the OpenAPI document'] = performance.now() - docsStarted;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  times['(aside) of the first step, loading the bundle alone'] = bundleLoadMs({
    ...env,
    LOG_LEVEL: 'warn',
    PORT: String(await freePort()),
  });
  console.log(`PROBE ${JSON.stringify({ total: healthy - spawned, times })}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
