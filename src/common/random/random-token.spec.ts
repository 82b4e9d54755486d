import { randomToken } from './random-token';

describe('randomToken', () => {
  it('gives the asked number of bytes as base64url, never the same bytes twice across pool refills', () => {
    // 24-byte tokens: 170 to a pool, so 1,000 of them cross five refills.
    const tokens = Array.from({ length: 1000 }, () => randomToken(24));
    expect(new Set(tokens).size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(24);
    }
    // No token is a slice of another's bytes (a pool handed out twice would repeat 8-byte runs).
    const runs = new Set<string>();
    for (const token of tokens) {
      const bytes = Buffer.from(token, 'base64url');
      for (let i = 0; i + 8 <= bytes.length; i += 8) {
        const run = bytes.toString('hex', i, i + 8);
        expect(runs.has(run)).toBe(false);
        runs.add(run);
      }
    }
  });

  it('serves sizes beyond the pool directly', () => {
    expect(Buffer.from(randomToken(5000), 'base64url')).toHaveLength(5000);
  });
});
