import type { BusyAppointment } from './availability/slot-engine';
import { BusyCache } from './busy-cache';

const scope = (typeId: number) => ({ typeId, hostIds: [1, 2], from: 0, to: 86_400_000 });
const rows = (n: number) => Array.from({ length: n }, (_, id) => ({ id }) as BusyAppointment);

describe('BusyCache', () => {
  it('serves a kept list until a write begins, and keeps none while a write is open', async () => {
    const cache = new BusyCache();
    const load = jest.fn(() => Promise.resolve(rows(3)));
    await cache.read(scope(1), 0, load);
    await cache.read(scope(1), 0, load);
    expect(load).toHaveBeenCalledTimes(1);
    const settled = cache.writing();
    await cache.read(scope(1), 0, load);
    await cache.read(scope(1), 0, load);
    expect(load).toHaveBeenCalledTimes(3);
    settled();
    await cache.read(scope(1), 0, load);
    await cache.read(scope(1), 0, load);
    expect(load).toHaveBeenCalledTimes(4);
  });

  it('does not keep a list when a write began while it was read', async () => {
    const cache = new BusyCache();
    let settled = () => {};
    await cache.read(scope(1), 0, () => {
      settled = cache.writing();
      return Promise.resolve(rows(1));
    });
    settled();
    const load = jest.fn(() => Promise.resolve(rows(1)));
    await cache.read(scope(1), 0, load);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reads again when another connection committed, and keeps nothing when that cannot be told', async () => {
    const cache = new BusyCache();
    const load = jest.fn(() => Promise.resolve(rows(1)));
    await cache.read(scope(1), 7, load);
    await cache.read(scope(1), 8, load);
    await cache.read(scope(1), undefined, load);
    await cache.read(scope(1), undefined, load);
    expect(load).toHaveBeenCalledTimes(4);
  });

  it('holds at most 100,000 appointments, dropping the least recently used lists first', async () => {
    const cache = new BusyCache();
    const load = jest.fn(() => Promise.resolve(rows(40_000)));
    for (const typeId of [1, 2, 3]) await cache.read(scope(typeId), 0, load);
    await cache.read(scope(1), 0, load); // 1 was dropped for 3
    await cache.read(scope(3), 0, load); // kept
    expect(load).toHaveBeenCalledTimes(4);
    await cache.read(scope(2), 0, load); // dropped for 1
    expect(load).toHaveBeenCalledTimes(5);
  });

  it('bounds how many lists it holds even when they are empty (each counts as one appointment more)', async () => {
    const cache = new BusyCache();
    const load = jest.fn(() => Promise.resolve(rows(0)));
    const range = (from: number) => ({ typeId: 1, hostIds: [], from, to: from + 1 });
    for (let from = 0; from <= 100_000; from++) await cache.read(range(from), 0, load);
    await cache.read(range(0), 0, load); // the oldest was dropped
    expect(load).toHaveBeenCalledTimes(100_002);
  });

  it('counts a list once when two reads of one scope load it side by side', async () => {
    const cache = new BusyCache();
    const both = [cache.read(scope(1), 0, () => Promise.resolve(rows(60_000)))];
    both.push(cache.read(scope(1), 0, () => Promise.resolve(rows(60_000))));
    await Promise.all(both);
    const load = jest.fn(() => Promise.resolve(rows(30_000)));
    await cache.read(scope(2), 0, load);
    await cache.read(scope(2), 0, load); // 60,001 + 30,001 fit
    await cache.read(scope(1), 0, load);
    expect(load).toHaveBeenCalledTimes(1);
  });
});
