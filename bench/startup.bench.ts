/**
 * Start-up: process start to the first 200 of GET /health, for exactly what `npm start` runs (the bundle's
 * launcher, dist/bundle/main.js, read from package.json) on SQLite, on a new database (migrations run) and on an
 * existing one, median of BENCH_STARTS starts (default 5; quick 2). The baseline is Node itself: a process that
 * only answers /health from node:http. Then one probe run says where the time goes.
 *
 *   npm run build && npm run bench:startup
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  fmt,
  median,
  NPM_START_ARGS,
  QUICK,
  report,
  ROOT,
  run,
  spawnNode,
  sqliteUrl,
  waitHealthy,
} from './support/harness';

const STARTS = Number(process.env.BENCH_STARTS ?? (QUICK ? 2 : 5));
const BARE = "require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, '127.0.0.1')";

async function timeToHealthy(args: string[], env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const { child, stderr } = spawnNode(args, { HOST: '127.0.0.1', PORT: String(port), ...env });
  await waitHealthy(`http://127.0.0.1:${port}`, child, stderr, 60_000);
  const elapsed = performance.now() - started;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return elapsed;
}

run(async () => {
  const entry = NPM_START_ARGS[NPM_START_ARGS.length - 1];
  if (!existsSync(join(ROOT, entry))) throw new Error(`${entry} is missing: run npm run build first`);
  const env = (databaseUrl: string) => ({
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: 'bench-admin-key-0123456789abcdef',
    LOG_LEVEL: 'warn',
  });
  const bare: number[] = [];
  const fresh: number[] = [];
  const existing: number[] = [];
  const reused = sqliteUrl('startup');
  for (let i = 0; i < STARTS; i++) {
    bare.push(await timeToHealthy(['-e', BARE], {}));
    fresh.push(await timeToHealthy(NPM_START_ARGS, env(sqliteUrl('startup'))));
    existing.push(await timeToHealthy(NPM_START_ARGS, env(reused)));
  }
  const probe = execFileSync(
    process.execPath,
    ['--require', 'ts-node/register/transpile-only', 'bench/support/startup-probe.ts'],
    { cwd: ROOT, env: { PATH: process.env.PATH, ...env(sqliteUrl('probe')) }, encoding: 'utf8' },
  );
  const { times } = JSON.parse(/PROBE (.*)/.exec(probe)![1]) as { times: Record<string, number> };
  const breakdown = Object.entries(times)
    .map(([name, ms]) => `${name} ${Math.round(ms)} ms`)
    .join('; ');
  const figure = median(existing);
  report([
    {
      name: 'start-up to a healthy /health (SQLite, compiled)',
      figure: `existing database ${fmt.ms(figure)}, new database (migrations) ${fmt.ms(median(fresh))}`,
      baseline: `bare node:http ${fmt.ms(median(bare))}`,
      ratio: figure / median(bare),
      target: '≤ 1 s',
      met: figure <= 1000 && median(fresh) <= 1000,
      notes: `median of ${STARTS}; where the time goes (one probe run): ${breakdown}`,
    },
  ]);
});
