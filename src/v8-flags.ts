import { setFlagsFromString } from 'node:v8';

/*
 * V8's settings for the service, set before anything else is compiled (V8's code caches are keyed by its
 * flags: set later, every start would find its cache refused).
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
 */
setFlagsFromString('--no-allocation-site-pretenuring');
