/** Ids are the database's `integer` columns: 1 to 2^31 - 1 on PostgreSQL (and the same on SQLite). */
export const MAX_ID = 2_147_483_647;

/** Only the canonical spelling is an id: `1`, never `01`, `1.0`, `1e0`, `0x1`, ` 1` or `+1`. */
const CANONICAL_ID = /^[1-9]\d{0,9}$/;

/** The number `value` names as an id, or undefined when it is not a canonical id in range. */
export function parseId(value: string): number | undefined {
  if (!CANONICAL_ID.test(value)) return undefined;
  const id = Number(value);
  return id <= MAX_ID ? id : undefined;
}
