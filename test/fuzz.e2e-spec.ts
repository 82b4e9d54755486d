import { fuzzSeed, runFuzz } from '../bench/drills/fuzz';

/**
 * The short run of the fuzz drill (bench/drills/fuzz.ts; `npm run drill:fuzz` runs the long one). A fixed
 * seed keeps `npm test` repeatable; FUZZ_SEED=<n> walks another path, FUZZ_REQUESTS=<n> a longer one.
 */
const SEED = fuzzSeed(20261128);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 500);

describe('fuzz drill (e2e)', () => {
  it('walks every documented operation with malformed requests: no 5xx, one error body, no write on refusal, no stall', async () => {
    const result = await runFuzz({
      requests: REQUESTS,
      seed: SEED,
      maxStringBytes: 100_000,
      maxArrayItems: 10_000,
      maxDepth: 20_000,
    });
    if (result.failures.length > 0) console.log(result.report);
    expect(result.classes).toEqual([]);
  }, 180_000);
});
