const cache = new Map<string, boolean>();

/** True for IANA zone names the runtime knows (Europe/Berlin, UTC); false for offsets and abbreviations. */
export function isValidTimeZone(zone: string): boolean {
  let valid = cache.get(zone);
  if (valid === undefined) {
    valid = /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone) && canFormatIn(zone);
    cache.set(zone, valid);
  }
  return valid;
}

function canFormatIn(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
