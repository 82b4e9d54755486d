// @ts-check
import { decode, encode } from '@jridgewell/sourcemap-codec';

/**
 * A script, and its source map, in ASCII only (scripts/bundle.mjs, for dist/bundle/app.js). V8 holds a script
 * with any other character in it at two bytes a character: the launcher's read of the 12 MB bundle decoded its
 * UTF-8 into 24 MB, and every later walk of the source (its line ends, for the first stack trace) covered twice
 * the bytes. That was a seventh of what loading the bundle cost the main thread (callgrind's count of
 * instructions, the same whatever else the machine does).
 *
 * esbuild escapes other characters in strings, but leaves them in comments, regular expression literals and
 * tagged templates (validator's alphabets, libphonenumber's comments, the pages' `html`). Each is written here as
 * the `\uXXXX` escapes of its UTF-16 code units, which mean the same in all three: a regular expression reads
 * the escape as the character (with the `u` or `v` flag, an escaped pair of surrogates as one code point), and a
 * tagged template's strings are its cooked ones. A tag that reads `raw` would see the escape's text: the pages'
 * `html` does not, and the bundle's one such tag, dedent, is only called as a function (the bundled start-up's
 * test checks that no `String.raw` or dedent template holds an escape).
 *
 * The build stops instead where an escape would not do: after a backslash (`\é` would become `\\u00E9`), and at
 * a raw U+2028 or U+2029, a line break to esbuild's map but not to this script's lines.
 *
 * An escape is longer than its character: the map's columns after it on its line move with it.
 *
 * @param {string} code
 * @param {{ mappings: string }} map
 */
export function asciiOnly(code, map) {
  refuse(code, /\\[\u0080-\uffff]/, 'a backslash before a character outside ASCII: no escape means the same');
  refuse(code, /[\u2028\u2029]/, 'a raw U+2028 or U+2029: a line break to the map, not to this script');
  const lines = code.split('\n');
  const mappings = decode(map.mappings);
  lines.forEach((line, index) => {
    /** @type {number[]} */
    const escaped = [];
    lines[index] = line.replace(/[\u0080-\uffff]/g, (character, column) => {
      escaped.push(column);
      return `\\u${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    });
    for (const segment of escaped.length === 0 ? [] : (mappings[index] ?? [])) {
      segment[0] += 5 * escaped.filter((column) => column < segment[0]).length;
    }
  });
  return { code: lines.join('\n'), map: { ...map, mappings: encode(mappings) } };
}

/**
 * @param {string} code
 * @param {RegExp} pattern
 * @param {string} why
 */
function refuse(code, pattern, why) {
  const found = pattern.exec(code);
  if (!found) return;
  const before = code.slice(0, found.index).split('\n');
  throw new Error(`${why}, at line ${before.length}, column ${before[before.length - 1].length + 1}`);
}
