import moment from 'moment-timezone';

/** One instant seen from one time zone, in the shapes the SSA webhook contract uses. */
export interface LocalTimeParts {
  /** `YYYY-MM-DD HH:mm:ss` wall-clock time in `timezone`. */
  raw: string;
  /** `YYYY-MM-DD` */
  date: string;
  /** `HH:mm:ss` */
  time: string;
  /** IANA zone name. */
  timezone: string;
  /** `+0200` */
  timezone_offset: string;
  /** PHP `F j, Y g:i a T`, e.g. `September 20, 2018 9:15 am PDT`. */
  formatted: string;
  /** PHP `F j, Y` */
  formatted_date: string;
  /** PHP `g:i a` */
  formatted_time: string;
  /** PHP `T`: the tz database abbreviation (`CEST`), or `+04` / `+0545` where the zone has none. */
  abbreviation: string;
}

const SQL_DATETIME = 'YYYY-MM-DD HH:mm:ss';

function parseUtc(iso: string | Date): moment.Moment {
  // Strict ISO 8601 so a malformed date fails loudly instead of going out as "Invalid date"; strings without
  // an offset (e.g. `2018-09-20 16:15:00`, as stored by SSA) are taken as UTC.
  const parsed = iso instanceof Date ? moment.utc(iso) : moment.utc(iso, moment.ISO_8601, true);
  if (!parsed.isValid()) {
    throw new RangeError(`Invalid date: ${String(iso)}`);
  }
  // Pinned so a global moment.locale() elsewhere cannot change month names or am/pm in the contract.
  return parsed.locale('en');
}

/** `YYYY-MM-DD HH:mm:ss` in UTC, the format SSA uses for every stored date. */
export function formatUtc(iso: string | Date): string {
  return parseUtc(iso).format(SQL_DATETIME);
}

/**
 * PHP's `T` for zones the tz database gives no letters to: `+04`, `-03`, `+0545` (minutes only when non-zero).
 * moment-timezone's data already carries these, so this only covers a zone whose abbreviation is missing.
 */
function numericAbbreviation(local: moment.Moment): string {
  const offset = local.format('ZZ');
  return offset.endsWith('00') ? offset.slice(0, 3) : offset;
}

export function localTimeParts(iso: string | Date, timezone: string): LocalTimeParts {
  // moment-timezone silently falls back to UTC for unknown zones, which would mislabel every time.
  if (!moment.tz.zone(timezone)) {
    throw new RangeError(`Unknown time zone: ${timezone}`);
  }
  const local = parseUtc(iso).tz(timezone);
  const abbreviation = local.format('z') || numericAbbreviation(local);
  const formattedDate = local.format('MMMM D, YYYY');
  const formattedTime = local.format('h:mm a');
  return {
    raw: local.format(SQL_DATETIME),
    date: local.format('YYYY-MM-DD'),
    time: local.format('HH:mm:ss'),
    timezone,
    timezone_offset: local.format('ZZ'),
    formatted: `${formattedDate} ${formattedTime} ${abbreviation}`,
    formatted_date: formattedDate,
    formatted_time: formattedTime,
    abbreviation,
  };
}
