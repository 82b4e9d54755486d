/**
 * The first place in a parsed body (a key or a string value) that holds a NUL character, as a field path
 * (`customer_information.Name`), or null. PostgreSQL refuses NUL in text, so such a value would surface as a
 * 500 there (and be stored on SQLite): it is refused at the edge on both. Bodies are at most 32 levels deep
 * (json-depth.ts), so the walk is shallow.
 */
export function nulField(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'body' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = nulField(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const field = path === '' ? key : `${path}.${key}`;
      if (key.includes('\u0000')) return field;
      const found = nulField(item, field);
      if (found !== null) return found;
    }
  }
  return null;
}
