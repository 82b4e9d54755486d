import { decode } from '@jridgewell/sourcemap-codec';
import { build } from 'esbuild';
import { isAscii } from 'node:buffer';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

type AsciiOnly = (code: string, map: { mappings: string }) => { code: string; map: { mappings: string } };

/**
 * What esbuild leaves outside ASCII: comments, regular expression literals (with and without the `u` flag, a
 * character outside the Basic Multilingual Plane among them) and tagged templates. Each line goes on after the
 * character, so that the map's columns after it are checked.
 */
const SAMPLE = String.raw`
const html = (strings, ...values) => strings.reduce((out, text, i) => out + values[i - 1] + text);
const item = { name: 'Tee', sizes: ['M', 'L'] };
/* Größe */ exports.sizes = item.sizes.map((size) => size.toLowerCase()).join(',');
exports.alphabets = /^[A-ZÄÖÜß]+$/i.test('ÄRGER') && /^[А-Я]+$/i.test('да') && !/^[А-Я]+$/i.test('da');
exports.emoji = [/^😀$/.test('😀'), /^[😀]$/u.test('😀'), /^[😀]$/.test('😀'), /^\u{1F600}😀$/u.test('😀😀')];
exports.page = html${'`'}<p>Choose… ${'${item.name}'} → ${'${item.sizes.length}'}</p>${'`'}; // — and after
`;

async function bundled(source: string): Promise<{ code: string; map: { mappings: string } }> {
  const { outputFiles } = await build({
    stdin: { contents: source, sourcefile: 'sample.js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap: 'external',
    outfile: 'sample.out.js',
    write: false,
    logLevel: 'silent',
  });
  const text = (suffix: string) => outputFiles.find((file) => file.path.endsWith(suffix))!.text;
  return { code: text('.js'), map: JSON.parse(text('.js.map')) as { mappings: string } };
}

function run(code: string): Record<string, unknown> {
  const exports = {};
  runInNewContext(code, { exports });
  return exports;
}

/** The token a map's segment points at: a name, or one character. */
const tokenAt = (line: string, column: number) => /^[\w$]+|^[^\s]/.exec(line.slice(column))?.[0];

describe('the bundle in ASCII only (scripts/ascii-only.mjs)', () => {
  let asciiOnly: AsciiOnly;

  beforeAll(async () => {
    ({ asciiOnly } = (await import(join(__dirname, '..', 'scripts', 'ascii-only.mjs'))) as {
      asciiOnly: AsciiOnly;
    });
  });

  it('escapes what esbuild leaves outside ASCII, and the script does the same', async () => {
    const esbuilt = await bundled(SAMPLE);
    expect(isAscii(Buffer.from(esbuilt.code))).toBe(false);
    const ascii = asciiOnly(esbuilt.code, esbuilt.map);
    expect(isAscii(Buffer.from(ascii.code))).toBe(true);
    const expected = {
      sizes: 'm,l',
      alphabets: true,
      emoji: [true, true, false, true],
      page: '<p>Choose… Tee → 2</p>',
    };
    expect(run(esbuilt.code)).toEqual(expected);
    expect(run(ascii.code)).toEqual(expected);
  });

  it("keeps each of the map's segments on the text it named, past the escapes on its line", async () => {
    const esbuilt = await bundled(SAMPLE);
    const ascii = asciiOnly(esbuilt.code, esbuilt.map);
    const [linesBefore, linesAfter] = [esbuilt.code, ascii.code].map((code) => code.split('\n'));
    const [before, after] = [esbuilt.map, ascii.map].map((map) => decode(map.mappings));
    expect(after.map((line) => line.length)).toEqual(before.map((line) => line.length));
    let moved = 0;
    before.forEach((segments, line) => {
      segments.forEach((segment, i) => {
        const [column, ...original] = after[line][i];
        expect(original).toEqual(segment.slice(1));
        expect(tokenAt(linesAfter[line], column)).toBe(tokenAt(linesBefore[line], segment[0]));
        if (column !== segment[0]) moved++;
      });
    });
    expect(moved).toBeGreaterThan(10);
  });

  it('stops where no escape would do: after a backslash, and at a raw line separator', () => {
    expect(() => asciiOnly('const pattern = /\\é/;', { mappings: '' })).toThrow(
      /backslash .* at line 1, column 18/,
    );
    expect(() => asciiOnly('let a;\n/* \u2028 */ let b;', { mappings: '' })).toThrow(
      /U\+2028 .* at line 2, column 4/,
    );
  });
});
