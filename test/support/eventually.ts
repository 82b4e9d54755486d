import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries an assertion until it passes or `timeoutMs` runs out (then its last error is thrown). For effects of
 * domain events, which listeners apply after the response that committed them.
 */
export async function eventually<T>(assertion: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}
