/**
 * The deepest nesting of arrays and objects a JSON request body may have. The API's deepest documented
 * body is 3 levels (`availability.monday[0].start`); 32 leaves room for any client's wrapping. A deeper
 * body is refused before it is parsed: class-transformer and class-validator recurse once per level (a
 * body nested 5,000 deep, 30 KB, overflowed the stack), and `JSON.parse` of 1 MB of `[` takes seconds.
 */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * True when the JSON text nests arrays and objects deeper than `max` levels (`{}` is 1 level). One pass
 * over the bytes that skips string contents; it does not validate the JSON (the parser does that next).
 */
export function jsonNestingExceeds(text: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}
