import { setFlagsFromString } from 'node:v8';

/*
 * V8's settings for the service, set before anything of the service is compiled (V8's code caches are keyed
 * by its flags: set later, every start would find the bundle's cache refused).
 *
 * No allocation-site pretenuring. V8 moves an allocation site to the old generation once most of its objects
 * survive a young collection. A webhook drain has 150 deliveries in flight, each some tens of KB of short-lived
 * objects, and the sites that make them qualify often enough. Allocated straight into the old generation,
 * those objects die there, and they grow it until the next full collection. Meanwhile every young
 * collection walks them for pointers into the young generation, and V8 maps fresh pages for them.
 * In a 20,000-delivery drain (2 × AMD EPYC, `--trace-gc`, `perf`):
 * - with pretenuring, young collections took 41–61 ms and promoted 6 MB each;
 * - without it, they took 9–14 ms and promoted 2–2.7 MB;
 * - page faults went from 1.9–2.9 to 1.4–1.5 a delivery;
 * - V8's helper threads went from 51–71 to 35–51 µs a delivery (README, Delivery throughput).
 *
 * Node's own modules first. They come compiled in its binary, in a code cache V8 refuses under other flags:
 * each one loaded after the flag is compiled from its source. The start loads a hundred of them, and compiling
 * them took a tenth of the main thread's instructions from process start to listening (callgrind). So the
 * modules the start loads are loaded before the flag, the internal ones through the public modules and globals
 * that load them. The bundled start-up's test (test/npm-start.e2e-spec.ts) fails if the start compiles any of
 * Node's own.
 */
const BUILTINS_THE_START_LOADS = [
  'assert',
  'child_process',
  'cluster',
  'console',
  'crypto',
  'dgram',
  'dns',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'perf_hooks',
  'readline',
  'stream/web',
  'timers/promises',
  'tls',
  'tty',
  'vm',
  'worker_threads',
  'zlib',
];

for (const name of BUILTINS_THE_START_LOADS) process.getBuiltinModule(name);
// What Node loads on first use: fetch's undici (axios looks for its Headers), File, Web Crypto, navigator and
// an AsyncLocalStorage's context frames.
void [globalThis.Headers, globalThis.File, globalThis.crypto, globalThis.navigator];
new (process.getBuiltinModule('async_hooks').AsyncLocalStorage)();
setFlagsFromString('--no-allocation-site-pretenuring');
