import { hashBody } from './request-hash';

describe('hashBody', () => {
  it('gives the same hash to the same fields in another order, nested too', () => {
    expect(hashBody({ a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(
      hashBody({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }),
    );
  });

  it('tells apart bodies that differ in a value, a type or array order', () => {
    const hashes = [
      hashBody({ a: 1 }),
      hashBody({ a: '1' }),
      hashBody({ a: [1, 2] }),
      hashBody({ a: [2, 1] }),
      hashBody({ a: null }),
      hashBody({}),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});
