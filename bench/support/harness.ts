/**
 * Shared by the bench scripts: processes (the service, the baseline), a bounded load generator over node:http,
 * a paced (open-loop) driver, a receiver that timestamps arrivals, and the result line `npm run bench` collects.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { ADMIN_KEY, AUTH } from '../../test/support/admin';
import { resetPostgres as emptyPostgres } from '../../test/support/database';
import { createType } from '../../test/support/fixtures';
import { npmStartArgs } from '../../test/support/service-process';

export const ROOT = join(__dirname, '..', '..');
export const QUICK = process.env.BENCH_QUICK === '1';
// One admin key and one set of fixtures with the e2e suites (test/support): a bench service is started
// with the tests' key, so the fixtures' create helpers work against it.
export { ADMIN_KEY, AUTH } from '../../test/support/admin';

export function sqliteUrl(name = 'bench'): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), `booking-${name}-`)), `${name}.sqlite`)}`;
}

/** Empties the PostgreSQL database named by the URL (its public schema), and gives the URL back. */
export async function resetPostgres(url: string): Promise<string> {
  await emptyPostgres(url);
  return url;
}

const BASELINE_SCHEMA = 'bench_baseline';

/**
 * A schema of its own in the PostgreSQL database named by the URL, emptied, for a baseline that runs beside the
 * service (which empties the public schema): the URL given back has the baseline's connections use it.
 */
export async function baselineSchema(url: string): Promise<string> {
  await emptyPostgres(url, BASELINE_SCHEMA);
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${BASELINE_SCHEMA}`);
  return withSchema.toString();
}

/** Drops what `baselineSchema` made, once the baseline is done. */
export function dropBaselineSchema(url: string): Promise<void> {
  return emptyPostgres(url, BASELINE_SCHEMA, false);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Resident set size in bytes, from /proc. */
  rss(): number;
  /** CPU time the process has used so far (user and system), in seconds. */
  cpuSeconds(): number;
  /**
   * CPU time its threads have used so far, in seconds, summed by name: `MainThread` (the event loop),
   * `WorkerThread` (worker threads), `V8Worker` (V8's helpers: garbage collection,
   * compiling), `libuv-worker` (file system, DNS).
   */
  threadCpuSeconds(): Map<string, number>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

export function spawnNode(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // BENCH_NODE_OPTIONS reaches the processes under test (e.g. --max-old-space-size=96 to tell a leak from lazy GC).
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  child.stdout.resume();
  return { child, stderr: () => stderr };
}

/** utime and stime of a /proc stat file (the 14th and 15th fields, in clock ticks: 100 a second on Linux). */
function cpuOf(statFile: string): number {
  const fields = readFileSync(statFile, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function proc(child: ChildProcess, url: string, stderr: () => string): Proc {
  return {
    child,
    url,
    stderr,
    rss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    cpuSeconds: () => cpuOf(`/proc/${child.pid}/stat`),
    threadCpuSeconds: () => {
      const byName = new Map<string, number>();
      for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
        try {
          const file = `/proc/${child.pid}/task/${tid}/stat`;
          const name = /\((.*)\)/.exec(readFileSync(file, 'utf8'))![1];
          byName.set(name, (byName.get(name) ?? 0) + cpuOf(file));
        } catch {
          // The thread ended meanwhile.
        }
      }
      return byName;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

export async function waitHealthy(url: string, child: ChildProcess, stderr: () => string, ms = 120_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited during start-up:\n${stderr()}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`not healthy within ${ms} ms:\n${stderr()}`);
    await sleep(10);
  }
}

/** The arguments `npm start` gives node (its script in package.json), so a bench runs exactly that. */
export const NPM_START_ARGS = npmStartArgs();

/**
 * How the service is started: BENCH_DIST=1 runs the build as `npm start` does (bench/all.ts builds first);
 * otherwise src/main.ts through ts-node, whose compiler adds to start-up time, CPU and memory.
 */
export const SERVICE_ARGS =
  process.env.BENCH_DIST === '1'
    ? NPM_START_ARGS
    : ['--require', 'ts-node/register/transpile-only', 'src/main.ts'];

/** The service as production runs it, its own process, configured by environment. */
export async function startService(
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Proc> {
  const port = await freePort();
  const { child, stderr } = spawnNode([...nodeArgs, ...SERVICE_ARGS], {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'booking-bench-data-')),
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, stderr);
  return proc(child, url, stderr);
}

/** The minimal node:http + better-sqlite3 (or pg) booking server of bench/baseline. */
export async function startBaseline(databaseUrl: string): Promise<Proc> {
  const port = await freePort();
  const { child, stderr } = spawnNode(
    ['--require', 'ts-node/register/transpile-only', 'bench/baseline/booking-server.ts'],
    { PORT: String(port), BASELINE_DATABASE_URL: databaseUrl },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, stderr);
  return proc(child, url, stderr);
}

export async function api<T = any>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(base + path, {
    method,
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The fixtures' client for a service at `base`. */
export function client(base: string): () => ReturnType<typeof request> {
  return () => request(base);
}

/** A type bookable every 15 minutes, all week, from 2031 on. */
export async function createBenchType(base: string, extra: Record<string, unknown> = {}): Promise<number> {
  const type = await createType(client(base), {
    title: `Bench ${Math.random().toString(36).slice(2, 8)}`,
    duration: 15,
    availability_increment: 15,
    ...extra,
  });
  return type.id;
}

export const SLOT_ORIGIN = Date.UTC(2031, 0, 6);

/** The body of booking `i`: slot i of the type, 15 minutes apart, so every request takes a free one. */
export function bookingBody(typeId: number, i: number, seatsPerSlot = 1): string {
  return JSON.stringify({
    appointment_type_id: typeId,
    start_date: new Date(SLOT_ORIGIN + Math.floor(i / seatsPerSlot) * 15 * 60_000).toISOString(),
    customer_information: { Name: `Customer ${i % 100}`, Email: `c${i % 100}@example.com` },
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export interface Response {
  status: number;
  body: string;
}

/** One request on a keep-alive agent; resolves with status and body. */
export function send(
  agent: http.Agent,
  url: URL,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        agent,
        method,
        headers: {
          ...AUTH,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Answers other than the expected status, and connection errors. */
  failures: number;
  firstFailure?: string;
}

/**
 * A bounded closed-loop load generator (what autocannon does, on node:http): `connections` keep-alive
 * connections, each sending its next request when the previous answer arrives, for `durationMs`.
 */
export async function load(options: {
  url: string;
  connections: number;
  durationMs: number;
  method?: string;
  body?: (i: number) => string | undefined;
  expect?: number;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const url = new URL(options.url);
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const end = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < end) {
        const i = next++;
        const t0 = performance.now();
        try {
          const response = await send(agent, url, options.method ?? 'GET', options.body?.(i));
          if (response.status !== (options.expect ?? 200)) {
            failures++;
            firstFailure ??= `${response.status} ${response.body.slice(0, 300)}`;
          } else latencies.push(performance.now() - t0);
        } catch (error) {
          failures++;
          firstFailure ??= String(error);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
    firstFailure,
  };
}

/** Calls `fire(i)` at a steady `rate` per second for `count` calls (open loop: a slow answer delays nothing). */
export async function paced(rate: number, count: number, fire: (i: number) => Promise<void>): Promise<void> {
  const started = performance.now() + 20;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(fire(i));
  }
  await Promise.all(inFlight);
}

/** A webhook receiver that answers 200 at once and timestamps each arrival (performance.now()). */
export class TimingReceiver {
  readonly arrivals: Array<{ at: number; body: string; webhookId: string; path: string }> = [];
  url = '';
  private readonly server: http.Server;

  private constructor(private readonly keepBodies: boolean) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.arrivals.push({
          at: performance.now(),
          body: this.keepBodies ? Buffer.concat(chunks).toString() : '',
          webhookId: String(req.headers['webhook-id'] ?? ''),
          path: req.url ?? '/',
        });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      });
    });
    this.server.keepAliveTimeout = 30_000;
  }

  /** Listens on 127.0.0.1 (on `port`, to come back where it was after an outage). */
  static async start(keepBodies = true, port = 0): Promise<TimingReceiver> {
    const receiver = new TimingReceiver(keepBodies);
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  async waitFor(count: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.arrivals.length < count) {
      if (Date.now() > deadline)
        throw new Error(`receiver: ${this.arrivals.length} of ${count} arrived within ${ms} ms`);
      await sleep(20);
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface Row {
  /** What is measured, e.g. "booking throughput (SQLite)". */
  name: string;
  figure: string;
  baseline: string;
  /** figure / baseline as the target states it, e.g. 0.42 */
  ratio: number | null;
  target: string;
  met: boolean | null;
  notes?: string;
}

/** Prints the rows, then one `BENCH_RESULT` JSON line that bench/all.ts collects. */
export function report(rows: Row[]): void {
  for (const row of rows) {
    const ratio = row.ratio === null ? '' : `  ratio ${row.ratio.toFixed(2)}`;
    const met = row.met === null ? '' : row.met ? '  [target met]' : '  [target MISSED]';
    console.log(
      `${row.name}: ${row.figure}  | baseline ${row.baseline}${ratio}  | target ${row.target}${met}`,
    );
    if (row.notes) console.log(`    ${row.notes}`);
  }
  console.log(`BENCH_RESULT ${JSON.stringify(rows)}`);
}

export const fmt = {
  rate: (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`,
  ms: (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`,
  mb: (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`,
};

export function run(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
