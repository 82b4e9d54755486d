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
 * tagged template's strings are its cooked ones (the pages' `html` never reads `raw`). After a backslash an
 * escape would mean something else (`\é` would become `\\u00E9`): the build stops instead.
 *
 * An escape is longer than its character: the map's columns after it on its line move with it.
 *
 * @param {string} code
 * @param {{ mappings: string }} map
 */
export function asciiOnly(code, map) {
  const afterBackslash = /\\[\u0080-\uffff]/.exec(code);
  if (afterBackslash) {
    throw new Error(
      `a backslash before a character outside ASCII, at ${afterBackslash.index}: no escape means it`,
    );
  }
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
