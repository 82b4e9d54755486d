/**
 * Memory: resident set size of the service while it takes 100,000 bookings (BENCH_MEMORY_BOOKINGS; quick:
 * 5,000), each delivered to one subscribed local receiver. Reported: RSS at the end, and its growth over the
 * second half of the run (a leak shows as steady growth; the target is none). RSS is sampled 50 times. The
 * growth is the trend of the second half's 25 samples over the second half: their Theil-Sen slope (the median
 * of the slopes between every two of them), which one sample taken right after a collection does not move
 * (seen: 415 MB, then 259 MB, then back to 313 MB, which a difference of two samples read as 91 MB of growth).
 * The baseline is the median RSS of the tenth after half-way; each tenth's median is printed.
 *
 * RSS also grows while V8 lets garbage pile up before a full collection: on a slower machine its medians ran in
 * a saw (250 323 340 359 377, then 249 301 … 354 MB) whose second rise read as 88 MB of growth, while the same
 * run capped at 96 MB of old space stayed flat. So at the end of each tenth the bench also has the service
 * collect all its garbage (through the inspector, `HeapProfiler.collectGarbage`) and reads what is left: the
 * live heap and RSS. Those grow only with what the service keeps; the target is judged on them.
 */
import * as http from 'node:http';
import {
  bookingBody,
  createBenchType,
  fmt,
  median,
  QUICK,
  report,
  run,
  send,
  sqliteUrl,
  startService,
  TimingReceiver,
  client,
} from './support/harness';
import { createWebhook } from '../test/support/fixtures';

const BOOKINGS = Number(process.env.BENCH_MEMORY_BOOKINGS ?? (QUICK ? 5000 : 100_000));
const CONNECTIONS = 16;

run(async () => {
  const receiver = await TimingReceiver.start(false);
  const service = await startService(sqliteUrl(), {}, ['--inspect=127.0.0.1:0']);
  const inspector = await Inspector.connect(service.stderr());
  try {
    const typeId = await createBenchType(service.url);
    await createWebhook(client(service.url), { url: `${receiver.url}/hook` });
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const url = new URL(`${service.url}/api/v1/appointments`);
    const samples: Array<{ booked: number; rss: number }> = [];
    const collected: Array<{ booked: number; heap: number; rss: number }> = [];
    const tenth = Math.max(1, Math.floor(BOOKINGS / 10));
    let next = 0;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < BOOKINGS) {
          const i = next++;
          const response = await send(agent, url, 'POST', bookingBody(typeId, i));
          if (response.status !== 201)
            throw new Error(`booking ${i} answered ${response.status}: ${response.body}`);
          done++;
          if (done % Math.max(1, Math.floor(BOOKINGS / 50)) === 0)
            samples.push({ booked: done, rss: service.rss() });
          if (done % tenth === 0) {
            const booked = done;
            const heap = await inspector.liveHeap();
            collected.push({ booked, heap, rss: service.rss() });
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    await receiver.waitFor(BOOKINGS, 600_000);
    const settled = service.rss();
    const tenths = Array.from({ length: 10 }, (_, tenth) =>
      median(
        samples
          .filter((sample) => Math.ceil((sample.booked / BOOKINGS) * 10) === tenth + 1)
          .map((sample) => sample.rss),
      ),
    );
    const half = tenths[5];
    const end = tenths[9];
    const peak = Math.max(...samples.map((s) => s.rss));
    const secondHalf = samples.filter((sample) => sample.booked > BOOKINGS / 2);
    const growth = theilSenSlope(secondHalf.map((sample) => [sample.booked, sample.rss])) * (BOOKINGS / 2);
    // After full collections: from half-way (its sample included) to the end.
    const kept = collected.filter((sample) => sample.booked >= BOOKINGS / 2);
    const trend = (of: 'heap' | 'rss') =>
      theilSenSlope(kept.map((sample) => [sample.booked, sample[of]])) * (BOOKINGS / 2);
    const keptGrowth = { heap: trend('heap'), rss: trend('rss') };
    const atHalf = kept[0];
    report([
      {
        name: `memory after ${BOOKINGS.toLocaleString('en-US')} bookings with deliveries (SQLite)`,
        figure: `RSS ${fmt.mb(end)} over the last tenth (median), ${fmt.mb(settled)} once delivered (peak ${fmt.mb(peak)}); growth over the second half: of RSS ${fmt.mb(growth)}, after full collections ${fmt.mb(keptGrowth.rss)} (live heap ${fmt.mb(keptGrowth.heap)})`,
        baseline: `RSS over the tenth after half-way ${fmt.mb(half)} (median); after a full collection at half-way ${fmt.mb(atHalf.rss)} (live heap ${fmt.mb(atHalf.heap)})`,
        ratio: end / half,
        target: 'no steady growth over the second half (after full collections)',
        met: keptGrowth.rss <= 0.1 * atHalf.rss && keptGrowth.heap <= 0.1 * atHalf.heap,
        notes: `${Math.round(BOOKINGS / seconds)} bookings/s at ${CONNECTIONS} connections; median RSS of each tenth (MB): ${tenths
          .map((rss) => (rss / 1048576).toFixed(0))
          .join(' ')}; after a full collection at the end of each tenth, RSS (MB): ${collected
          .map((sample) => (sample.rss / 1048576).toFixed(0))
          .join(
            ' ',
          )}, live heap (MB): ${collected.map((sample) => (sample.heap / 1048576).toFixed(0)).join(' ')}`,
      },
    ]);
  } finally {
    inspector.close();
    await service.stop();
    await receiver.close();
  }
});

/** The service's inspector (started with --inspect on a free port): full collections, and the heap left. */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (result: any) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
    });
  }

  static async connect(stderr: string): Promise<Inspector> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
    if (!url) throw new Error(`the service printed no inspector address:\n${stderr}`);
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    return new Inspector(socket);
  }

  /** Bytes of the JS heap in use once every unreachable object is collected. */
  async liveHeap(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    const usage = (await this.call('Runtime.getHeapUsage')) as { usedSize: number };
    return usage.usedSize;
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method }));
    });
  }
}

/** The median of the slopes between every two points: a trend that a few outlying points do not move. */
function theilSenSlope(points: Array<[number, number]>): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++)
      if (points[j][0] !== points[i][0])
        slopes.push((points[j][1] - points[i][1]) / (points[j][0] - points[i][0]));
  return median(slopes);
}
