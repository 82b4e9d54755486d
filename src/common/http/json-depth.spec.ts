import { jsonNestingExceeds, MAX_JSON_DEPTH } from './json-depth';

const bytes = (text: string) => Buffer.from(text);
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('jsonNestingExceeds', () => {
  it('accepts flat values and a body nested exactly to the limit', () => {
    expect(jsonNestingExceeds(bytes('42'), 0)).toBe(false);
    expect(jsonNestingExceeds(bytes('{}'), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
  });

  it('refuses one level over the limit, arrays and objects alike', () => {
    expect(jsonNestingExceeds(bytes(nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonNestingExceeds(bytes('{"a":{"b":{"c":1}}}'), 2)).toBe(true);
    expect(jsonNestingExceeds(bytes('{"a":[{"b":1}]}'), 3)).toBe(false);
  });

  it('counts depth, not the number of containers', () => {
    const wide = `[${Array.from({ length: 1000 }, () => '{"a":[1]}').join(',')}]`;
    expect(jsonNestingExceeds(bytes(wide), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingExceeds(bytes(`{"a":"${'['.repeat(100)}"}`), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes(`{"a":"\\"[[[[","b":"\\\\"}`), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes(`{"a":"\\\\",${'['.repeat(3)}`), 2)).toBe(true);
  });

  it('scans a 1 MB body nested all the way down in well under a second', () => {
    const deep = bytes(nested(512 * 1024));
    const started = performance.now();
    expect(jsonNestingExceeds(deep, MAX_JSON_DEPTH)).toBe(true);
    const flat = bytes(`[${'1,'.repeat(512 * 1024)}1]`);
    expect(jsonNestingExceeds(flat, MAX_JSON_DEPTH)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
