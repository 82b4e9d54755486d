import { movable } from './move-calendars';
import type { Slot } from './slot-engine';

/** A small deterministic generator (mulberry32), so that a failure names its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const slot = (start: number, seats = 1): Slot => ({
  start,
  end: start + 1,
  seatsRemaining: seats,
  freeHostIds: [],
});

/** A calendar as the engine gives it: its starts in time order, in batches of any size, empty ones included. */
function calendar(starts: number[], next: () => number, seats: number): Slot[][] {
  const batches: Slot[][] = [];
  let index = 0;
  while (index < starts.length || next() < 0.3) {
    const size = Math.floor(next() * 4);
    batches.push(starts.slice(index, index + size).map((start) => slot(start, seats)));
    index += size;
  }
  return batches;
}

/** Counts the batches a calendar has worked out so far. */
function counted(batches: Slot[][], pulls: { count: number }): Iterable<Slot[]> {
  return {
    *[Symbol.iterator]() {
      for (const batch of batches) {
        pulls.count += 1;
        yield batch;
      }
    },
  };
}

describe('movable: a move’s starts from the type’s calendar and its own hosts’', () => {
  it('matches the sets it stands for on random calendars: hostless, the type’s starts where every own host is free; else the type’s and those', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const starts = () => [...Array(40).keys()].filter(() => next() < 0.5);
      const typeStarts = starts();
      const own = Array.from({ length: 1 + Math.floor(next() * 3) }, starts);
      const hostless = next() < 0.5;
      const ownFree = own[0].filter((start) => own.every((host) => host.includes(start)));
      const expected = hostless
        ? typeStarts.filter((start) => ownFree.includes(start))
        : [...new Set([...typeStarts, ...ownFree])].sort((a, b) => a - b);
      const batches = [
        ...movable(
          calendar(typeStarts, next, 2),
          own.map((host) => calendar(host, next, 1)),
          hostless,
          1 + Math.floor(next() * 5),
        ),
      ];
      const merged = batches.flat();
      expect({ seed, starts: merged.map((s) => s.start) }).toEqual({ seed, starts: expected });
      // At a start of the type's, its slot (its seats), not an own host's.
      for (const s of merged) expect(s.seatsRemaining).toBe(typeStarts.includes(s.start) ? 2 : 1);
    }
  });

  it('works out at most one batch of each calendar between two of its own: the caller’s slices stay short', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const next = random(seed);
      const pulls = { count: 0 };
      // Long runs of empty batches: a host busy for weeks.
      const sparse = (every: number) => [...Array(400).keys()].filter((start) => start % every === 0);
      const own = [sparse(97), sparse(89)];
      const merged = movable(
        counted(calendar(sparse(101), next, 2), pulls),
        own.map((host) => counted(calendar(host, next, 1), pulls)),
        next() < 0.5,
        1,
      );
      let before = pulls.count;
      for (const _batch of merged) {
        expect(pulls.count - before).toBeLessThanOrEqual(3);
        before = pulls.count;
      }
    }
  });
});
