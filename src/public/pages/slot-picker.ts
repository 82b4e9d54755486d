import moment from 'moment-timezone';
import { MAX_CANDIDATE_STARTS } from '../../appointments/availability/slot-engine';
import type { SlotDto } from '../../appointments/dto/availability.dto';
import { canonicalTimeZone, isValidTimeZone, MAX_TIME_ZONE_LENGTH } from '../../common/validation/time-zone';
import { html, SafeHtml } from './html';

/** How many days one page of times covers, at most (see pageCalendar). */
export const WINDOW_DAYS = 14;
/** How far ahead a page's window may start: as far as a type may take bookings (ten years). */
const FURTHEST_DAYS = 3660;
/** Candidate starts a day holds at most per minute of a type's grid: a day of 25 hours (the end of DST). */
const MINUTES_A_DAY_AT_MOST = 25 * 60;

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE = 'YYYY-MM-DD';

/** An ISO instant as the clock in `zone` shows it (English names, whatever moment's global locale). */
function inZone(iso: string, zone: string): moment.Moment {
  return moment.utc(iso, moment.ISO_8601, true).tz(zone).locale('en');
}

export type FormQuery = Record<string, unknown>;

export function queryText(query: FormQuery, name: string): string | undefined {
  const value = query[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The zones ICU (so `Intl` and browsers) still names by an old name, with the names their people use now: the
 * tz database's name for the zone (the one its zone.tab lists for the country). A browser in Kolkata reports
 * `Asia/Calcutta`, in Buenos Aires `America/Buenos_Aires`; the pages show `Asia/Kolkata`, and
 * `America/Argentina/Buenos_Aires` beside the other Argentine zones. Written out rather than worked out (asking
 * `Intl` for each zone's ICU name took 40–400 ms); a unit test works it out and compares.
 */
export const CURRENT_NAMES: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The name a zone goes by now (when the time zone data knows it), else the name given. */
export function currentZoneName(zone: string): string {
  const current = CURRENT_NAMES[zone];
  return current !== undefined && isValidTimeZone(current) ? current : zone;
}

/**
 * A zone of no offset written as one: a browser whose system zone is a fixed offset reports it so (Chromium
 * with TZ=GMT says `+00:00`), and the page reloaded itself with it, to be shown in the type's zone.
 */
const ZERO_OFFSET = /^(?:[+-]00(?::?00)?|Z)$/i;

/** The zone `?tz=` names, by its current name (UTC for a zero offset), or undefined when it names none. */
function askedZone(query: FormQuery): string | undefined {
  const asked = queryText(query, 'tz');
  if (asked === undefined) return undefined;
  if (ZERO_OFFSET.test(asked)) return 'UTC';
  return isValidTimeZone(asked) ? currentZoneName(canonicalTimeZone(asked)) : undefined;
}

/** The zone the visitor asked for (by its current name), else the fallback (the customer's or the type's). */
export function viewerZone(query: FormQuery, fallback: string): string {
  return askedZone(query) ?? currentZoneName(fallback);
}

/** What `?tz=` asked for when it names no zone the pages know (the page says so), else undefined. */
export function unknownZone(query: FormQuery): string | undefined {
  const asked = queryText(query, 'tz');
  return asked === undefined || asked === '' || askedZone(query) !== undefined ? undefined : asked;
}

/**
 * A type's pages of days as a visitor sees them: the visitor's zone (the days, today and the horizon are the
 * visitor's dates), the type's zone (what the availability answer counts its dates in), how many days one page
 * shows, and the visitor's date of the type's last bookable instant (its horizon).
 */
export interface PageCalendar {
  zone: string;
  typeZone: string;
  days: number;
  lastDate?: string;
}

/**
 * The days a page of a type shows: WINDOW_DAYS, fewer for a grid so fine that the type's dates that a page's days
 * reach would hold more candidate starts than one availability answer may (a 1-minute grid round the clock: 6 days
 * in the type's zone or one sharing its midnights, 4 in one whose clocks change on other days than the type's).
 * Two weeks of it made the booking page a 400 for good.
 */
export function pageCalendar(
  type: { timezone: string; availability_increment: number; max_booking_notice: number | null },
  zone: string,
): PageCalendar {
  const perDay = Math.ceil(MINUTES_A_DAY_AT_MOST / type.availability_increment);
  const fits = Math.floor(MAX_CANDIDATE_STARTS / perDay);
  const horizon = type.max_booking_notice;
  // The furthest page ends up to a page past the horizon, and its type's dates are asked for all the same.
  const until = Date.now() + ((horizon ?? FURTHEST_DAYS * 1440) + WINDOW_DAYS * 1440) * 60_000;
  // Only a grid this fine has the zones compared: for any other, two more dates fit anyway.
  const extra = fits - MOST_EXTRA_TYPE_DATES >= WINDOW_DAYS ? 0 : extraTypeDates(zone, type.timezone, until);
  return {
    zone,
    typeZone: type.timezone,
    days: Math.max(1, Math.min(WINDOW_DAYS, fits - extra)),
    lastDate: horizon === null ? undefined : moment.tz(Date.now() + horizon * 60_000, zone).format(DATE),
  };
}

/** The type's dates a page's days reach past as many as it has, at most (see extraTypeDates). */
const MOST_EXTRA_TYPE_DATES = 2;

/**
 * How many more of the type's dates than a page has days its days may reach, on any page until `until`: none when
 * the visitor's midnights are the type's (the same offsets, or a whole day apart), one when they are a fixed time
 * apart (each of the visitor's days straddles a midnight of the type's), two when that time changes (the clocks of
 * one zone change: a visitor's day of 25 hours may reach into a third date of the type's).
 */
function extraTypeDates(zone: string, typeZone: string, until: number): number {
  if (zone === typeZone) return 0;
  const visitor = moment.tz.zone(zone);
  const type = moment.tz.zone(typeZone);
  if (visitor === null || type === null) return MOST_EXTRA_TYPE_DATES;
  // From the visitor's midnight, where today's page starts: clocks changed earlier today count too.
  const from = moment.tz(Date.now(), zone).startOf('day').valueOf();
  const changes = [...visitor.untils, ...type.untils].filter((at) => at > from && at <= until);
  const apart = new Set([from, ...changes].map((at) => visitor.utcOffset(at) - type.utcOffset(at)));
  if (apart.size > 1) return MOST_EXTRA_TYPE_DATES;
  return [...apart][0] % (24 * 60) === 0 ? 0 : 1;
}

/**
 * The page of days shown (the visitor's dates), with its type's page length and horizon (no page beyond that is
 * offered).
 */
export interface PageWindow extends Omit<PageCalendar, 'zone' | 'typeZone'> {
  from: string;
  to: string;
  today: string;
}

/**
 * The window of local dates (the visitor's zone) shown: from `from` if given, not past and not beyond the last day
 * the type books (nor ten years: a date in the year 9999 ran the window's end past any calendar), else from today.
 * The visitor's dates, not the type's: a page of the type's dates split the visitor's day that straddles the type's
 * midnight across two pages, and started a visitor ahead of the type's zone on yesterday.
 */
export function windowStart(query: FormQuery, calendar: PageCalendar): PageWindow {
  const today = moment.tz(Date.now(), calendar.zone).format(DATE);
  const asked = queryText(query, 'from');
  const valid = asked !== undefined && isLocalDate(asked);
  // Past the type's horizon a page offers nothing, and reaches past the dates its length was worked out for
  // (pageCalendar): today's instead, as for a date beyond any horizon.
  const furthest = [calendar.lastDate ?? '9999-12-31', shiftDate(today, FURTHEST_DAYS)].sort()[0];
  const from = valid && asked > today && asked <= furthest ? asked : today;
  return {
    from,
    to: shiftDate(from, calendar.days - 1),
    today,
    days: calendar.days,
    lastDate: calendar.lastDate,
  };
}

function isLocalDate(text: string): boolean {
  return LOCAL_DATE.test(text) && moment.utc(text, DATE, true).isValid();
}

/**
 * The type's local dates (its availability's `start_date`..`end_date`) that hold every instant of the window's
 * days in the visitor's zone; their slots outside those days are for the window to leave out (see inWindow).
 */
export function typeDates(
  window: PageWindow,
  calendar: PageCalendar,
): { start_date: string; end_date: string } {
  const first = moment.tz(window.from, DATE, true, calendar.zone);
  const afterLast = moment.tz(shiftDate(window.to, 1), DATE, true, calendar.zone);
  return {
    start_date: first.tz(calendar.typeZone).format(DATE),
    end_date: moment.tz(afterLast.valueOf() - 1, calendar.typeZone).format(DATE),
  };
}

/** The slots whose local start (the visitor's zone) falls on one of the window's days. */
export function inWindow(slots: SlotDto[], window: PageWindow): SlotDto[] {
  return slots.filter((slot) => {
    const date = slot.local_start.slice(0, 10);
    return date >= window.from && date <= window.to;
  });
}

/**
 * The query a page shows when it names a day (`date`) but no page of days: the page (counted from today, as the
 * pager counts them) that holds that day. A day past, one past the type's horizon (whose page would offer nothing
 * and lead only back), or no date, leaves the query as it is: the page opens as without a day named.
 */
export function openOnPageOf(query: FormQuery, calendar: PageCalendar): FormQuery {
  const date = queryText(query, 'date');
  if (queryText(query, 'from') !== undefined || date === undefined || !isLocalDate(date)) return query;
  const { today, days, lastDate } = windowStart({}, calendar);
  if (date < today || (lastDate !== undefined && date > lastDate)) return query;
  const pages = Math.floor(daysBetween(today, date) / days);
  return { ...query, from: shiftDate(today, pages * days) };
}

/**
 * The query a change page shows when it names no day: the appointment's own day chosen, so that a visitor who
 * came to move it sees that day's times first, not the first free day. With no window named either, the page of
 * days (counted from today, as the pager counts them) that holds it; with one named (the zone form, the pager),
 * its day is chosen when that window holds it. A past appointment's page opens as any other. A day named without a
 * window opens the page that holds it (openOnPageOf).
 */
export function openOnDay(query: FormQuery, start: string, calendar: PageCalendar): FormQuery {
  if (queryText(query, 'date') !== undefined) return openOnPageOf(query, calendar);
  const date = inZone(start, calendar.zone).format(DATE);
  const window = windowStart(query, calendar);
  if (date < window.today) return query;
  if (queryText(query, 'from') === undefined) return openOnPageOf({ ...query, date }, calendar);
  return date >= window.from && date <= window.to ? { ...query, date } : query;
}

function daysBetween(from: string, to: string): number {
  return moment.utc(to, DATE, true).diff(moment.utc(from, DATE, true), 'days');
}

export function shiftDate(date: string, days: number): string {
  return moment.utc(date, DATE, true).add(days, 'days').format(DATE);
}

/** Slots by the viewer's local date, in time order. */
export function byLocalDate(slots: SlotDto[]): Map<string, SlotDto[]> {
  const days = new Map<string, SlotDto[]>();
  for (const slot of slots) {
    const date = slot.local_start.slice(0, 10);
    const day = days.get(date);
    // Pushed, not copied: a copy per slot made a day of a 1-minute grid (1,440 times) take 100 ms of the loop.
    if (day === undefined) days.set(date, [slot]);
    else day.push(slot);
  }
  return days;
}

/**
 * How a visitor reads times, dates and amounts: the clock's `hours`, 12 (9:00 AM, 4:30 PM) or 24 (09:00, 16:30),
 * whether a date names the month first (Wednesday, January 16) or the day (Wednesday, 16 January), and the
 * `locale` (a language tag) whose way of writing a price is theirs ($80.00, 49,50 €).
 */
export interface Reading {
  hours: 12 | 24;
  monthFirst: boolean;
  locale: string;
}

/** Without a header, or with one the runtime cannot read: as in the US. */
const US_READING: Reading = Object.freeze({ hours: 12, monthFirst: true, locale: 'en-US' });
const CLOCK_FORMAT: Record<Reading['hours'], string> = { 12: 'h:mm A', 24: 'HH:mm' };
/** Readings by first language tag, as asked (a handful in practice; bounded against made-up ones). */
const readings = new Map<string, Reading>();
const READINGS_KEPT = 200;

/**
 * How people of the region a visitor's browser names first in `Accept-Language` write times and dates, or of
 * its language's usual region when it names none (`de`: Germany): as the region writes them in English
 * (`en-US`: 12 hours, the month first; `en-GB`: 24 hours, the day first; `en-AU`, `en-IN`: 12 hours, the day
 * first), or in its own language where it has no English of its own (`es-MX`: 12 hours; `pt-BR` and `en-BR`:
 * 24). The pages stay in English; only the clock, the order of day and month and the writing of prices follow.
 */
export function readingOf(acceptLanguage: string | undefined): Reading {
  const tag = acceptLanguage?.split(',')[0].split(';')[0].trim() ?? '';
  if (tag === '' || tag === '*' || tag.length > 35) return US_READING;
  let reading = readings.get(tag);
  if (reading === undefined) {
    reading = regionReading(tag);
    if (readings.size >= READINGS_KEPT) readings.clear();
    readings.set(tag, reading);
  }
  return reading;
}

function regionReading(tag: string): Reading {
  try {
    const locale = new Intl.Locale(tag);
    const region = locale.maximize().region;
    if (region === undefined) return US_READING;
    // A region without English of its own (Brazil, Russia, China…) falls back to US English: its ways are then
    // those of the region's own language (Brazil's Portuguese: 24 hours), whatever the visitor's.
    const english = `en-${region}`;
    const written =
      new Intl.DateTimeFormat(english).resolvedOptions().locale === english
        ? english
        : `${new Intl.Locale(`und-${region}`).maximize().language}-${region}`;
    const dates = new Intl.DateTimeFormat(written, { month: 'long', day: 'numeric' }).formatToParts(0);
    const order = dates.map((part) => part.type);
    return {
      // A clock asked for by name (`en-US-u-hc-h23`) is the one shown.
      hours: hoursOfCycle(
        locale.hourCycle ?? new Intl.DateTimeFormat(written, { hour: 'numeric' }).resolvedOptions().hourCycle,
      ),
      monthFirst: order.indexOf('month') < order.indexOf('day'),
      locale: locale.toString(),
    };
  } catch {
    return US_READING; // not a language tag
  }
}

/** Price formats by language tag and currency (a handful in practice; bounded as the readings are). */
const priceFormats = new Map<string, Intl.NumberFormat>();
/** Marks of a right-to-left language's writing (Arabic's, Hebrew's), which the English page around a price has not. */
const DIRECTION_MARKS = /[\u061c\u200e\u200f]/g;

/**
 * A price as the visitor writes one ($80.00 for `en-US`, 49,50 € for `de`), in the Latin digits of the rest of the
 * page (not `en-US-u-nu-arab`'s ٨٠٫٠٠): the currency's own minor digits (KWD 80.000, ¥1,234,567), but a stored
 * price's cents kept where the currency has fewer (a yen price of 1234567.89 is not rounded to a price it is not).
 */
export function formatPrice(price: number, currency: string, reading: Reading): string {
  const key = `${reading.locale} ${currency}`;
  let format = priceFormats.get(key);
  if (format === undefined) {
    const own = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions();
    format = new Intl.NumberFormat(reading.locale, {
      style: 'currency',
      currency,
      numberingSystem: 'latn',
      minimumFractionDigits: own.minimumFractionDigits,
      maximumFractionDigits: Math.max(own.minimumFractionDigits ?? 0, 2),
    });
    if (priceFormats.size >= READINGS_KEPT) priceFormats.clear();
    priceFormats.set(key, format);
  }
  return format.format(price).replace(DIRECTION_MARKS, '');
}

/** `45 minutes`, `1 hour`, `1 hour 30 minutes`. */
export function formatDuration(minutes: number): string {
  const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return count(rest, 'minute');
  return rest === 0 ? count(hours, 'hour') : `${count(hours, 'hour')} ${count(rest, 'minute')}`;
}

function hoursOfCycle(hourCycle: string | undefined): Reading['hours'] {
  return hourCycle === 'h23' || hourCycle === 'h24' ? 24 : 12;
}

/**
 * The clock's time, and the zone's abbreviation when the clock shows that time twice that night (`1:30 AM EDT`,
 * then `1:30 AM EST`, as the clocks go back): two times of one day must not read alike.
 */
export function formatTime(iso: string, zone: string, reading: Reading): string {
  const time = inZone(iso, zone);
  const clock = CLOCK_FORMAT[reading.hours];
  return time.format(repeatedWallTime(time) ? `${clock} z` : clock);
}

/**
 * `Monday, January 7, 2030, 9:00 AM (America/New York)`; day first and on a 24-hour clock
 * `Monday, 7 January 2030, 09:00 (…)`; see formatTime.
 */
export function formatWhen(iso: string, zone: string, reading: Reading): string {
  const date = inZone(iso, zone).format(dateFormat(reading, true));
  return `${date}, ${formatTime(iso, zone, reading)} (${zoneLabel(zone)})`;
}

/**
 * A date as moment formats it, the month first or the day: a heading's with its weekday and the month's name
 * (`Wednesday, January 16[, 2030]`, `Wednesday, 16 January[ 2030]`), a day chip's with the month's short name
 * (`Jan 16[, 2030]`, `16 Jan[ 2030]`).
 */
function dateFormat(reading: Reading, withYear: boolean, chip = false): string {
  const [weekday, month] = chip ? ['', 'MMM'] : ['dddd, ', 'MMMM'];
  if (reading.monthFirst) return `${weekday}${month} D${withYear ? ', YYYY' : ''}`;
  return `${weekday}D ${month}${withYear ? ' YYYY' : ''}`;
}

/** Whether a date is written with its year: when that is not the year of `today`. */
function otherYear(date: string, today: string): boolean {
  return date.slice(0, 4) !== today.slice(0, 4);
}

/** How far either side of a time the zone's offset is looked at: past any change of the clocks there is. */
const OFFSET_CHANGE_SPAN_MS = 3 * 3600_000;

/**
 * Whether the clock in the time's zone shows its time at another instant too: the hour repeated when the clocks go
 * back (the instant as far the other way by the change of offset shows the same time).
 */
function repeatedWallTime(time: moment.Moment): boolean {
  const zone = moment.tz.zone(time.tz()!);
  if (zone === null) return false;
  const at = time.valueOf();
  // The zone's own lookup (minutes west of UTC), not a moment per instant: a page may show 1,440 times a day.
  const wallClock = (instant: number) => instant - zone.utcOffset(instant) * 60_000;
  for (const near of [at - OFFSET_CHANGE_SPAN_MS, at + OFFSET_CHANGE_SPAN_MS]) {
    const shift = (zone.utcOffset(at) - zone.utcOffset(near)) * 60_000;
    if (shift !== 0 && wallClock(at - shift) === wallClock(at)) return true;
  }
  return false;
}

/** A zone as a visitor reads it, the same in the zone menu, the times' heading and the appointment: `America/New York`. */
export function zoneLabel(zone: string): string {
  return zone.replace(/_/g, ' ');
}

/** `Wednesday, January 16`, or `Wednesday, 16 January`; with its year when that is not the year of `today`. */
export function formatDay(date: string, reading: Reading, today: string): string {
  return moment
    .utc(date, DATE, true)
    .locale('en')
    .format(dateFormat(reading, otherYear(date, today)));
}

export function link(path: string, params: Record<string, string | undefined>, hash = ''): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, value);
  const text = search.toString();
  return `${path}${text === '' ? '' : `?${text}`}${hash}`;
}

let zones: string[] | undefined;

/** Every zone the menu offers, by current names, UTC among them. */
export function allZones(): string[] {
  zones ??= [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone').map(currentZoneName)])].sort();
  return zones;
}

/** What a zone's name (or an offset) is made of, at a zone name's length at most. */
const ZONE_LIKE = new RegExp(`^[A-Za-z0-9_+\\-:/.]{1,${MAX_TIME_ZONE_LENGTH}}$`);

/**
 * A GET form that changes the zone; without JavaScript its button submits it. `unknown`: what `?tz=` asked for
 * when it named no zone (the times are in `zone` instead, which the visitor is told).
 */
export function zoneForm(
  path: string,
  zone: string,
  keep: Record<string, string | undefined>,
  unknown?: string,
): SafeHtml {
  const options = allZones().includes(zone) ? allZones() : [zone, ...allZones()];
  // Only what could be a zone's name is repeated: a link could otherwise put words of its choosing on the page.
  const asked = unknown === undefined ? undefined : ZONE_LIKE.test(unknown) ? `“${unknown}”` : 'in the link';
  return html`${
      asked === undefined
        ? ''
        : html`<p class="notice warn" role="status">
            The time zone ${asked} was not recognized: times are shown in ${zoneLabel(zone)}. Pick yours
            below.
          </p>`
    }
    <form method="get" action="${path}" class="row">
      <div>
        <label for="tz">Your time zone</label>
        <select id="tz" name="tz" autocomplete="off">
          ${options.map(
            (option) =>
              html`<option value="${option}" ${option === zone ? html` selected` : ''}>
                ${zoneLabel(option)}
              </option>`,
          )}
        </select>
      </div>
      ${Object.entries(keep).map(([name, value]) => (value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}" />`))}
      <button type="submit" class="secondary">Show times</button>
    </form>
    <p class="muted" id="zone-hint">
      Times are shown in ${zoneLabel(zone)}. Pick your time zone and press Show times.
    </p>`;
}

export interface PickerOptions {
  path: string;
  zone: string;
  reading: Reading;
  window: PageWindow;
  days: Map<string, SlotDto[]>;
  selected: string | undefined;
}

/** The days with free times as links, and the pager to the previous and next pages of days. */
export function dayLinks(options: PickerOptions): SafeHtml {
  const { path, zone, reading, window, days, selected } = options;
  const previous = window.from > window.today ? shiftDate(window.from, -window.days) : undefined;
  // Past the type's horizon every page would be empty: no link to one.
  const next =
    window.lastDate !== undefined && window.to >= window.lastDate
      ? undefined
      : shiftDate(window.from, window.days);
  // A chip of another year names it, as the headings do: the days across New Year read Dec 26 … Jan 7 otherwise.
  const chips = [...days.keys()].map((date) => {
    const day = moment.utc(date, DATE, true).locale('en');
    const chipFormat = dateFormat(reading, otherYear(date, window.today), true);
    return html`<a
      href="${link(path, { tz: zone, from: window.from, date }, '#times')}"
      ${date === selected ? html` aria-current="date"` : ''}
      >${day.format('ddd')}<small>${day.format(chipFormat)}</small></a
    >`;
  });
  return html`<nav aria-label="Days with free times">
    ${days.size === 0 ? html`<p>No free times between ${formatDay(window.from, reading, window.today)} and ${formatDay(window.to, reading, window.today)}.</p>` : html`<div class="days">${chips}</div>`}
    <div class="pager">
      ${previous === undefined ? html`<span></span>` : html`<a href="${link(path, { tz: zone, from: previous < window.today ? window.today : previous })}">← Earlier dates</a>`}
      ${next === undefined ? '' : html`<a href="${link(path, { tz: zone, from: next })}">Later dates →</a>`}
    </div>
  </nav>`;
}

/**
 * The times of the chosen day as radio buttons named `start_date` (one is required): `checked` the one picked
 * (shown again after a refusal), `current` an appointment's own time (on its change page), marked as such.
 * Never restored by the browser (`autocomplete="off"`): Back to a page fetched again refilled the choice by
 * position, so that a second Confirm booked the time next to the one picked before.
 */
export function timeChoices(
  slots: SlotDto[],
  { zone, reading, window }: Pick<PickerOptions, 'zone' | 'reading' | 'window'>,
  date: string,
  marks: { checked?: string; current?: string } = {},
): SafeHtml {
  const current = marks.current === undefined ? NaN : Date.parse(marks.current);
  return html`<fieldset id="times">
    <legend>
      Times on ${formatDay(date, reading, window.today)} <span class="muted">(${zoneLabel(zone)})</span>
    </legend>
    <div class="times">
      ${slots.map(
        (slot, index) =>
          html`<label
            ><input
              type="radio"
              name="start_date"
              value="${slot.start_date}"
              autocomplete="off"
              ${index === 0 ? html` required` : ''}${slot.start_date === marks.checked ? html` checked` : ''}
            /><span
              >${formatTime(slot.start_date, zone, reading)}${
                Date.parse(slot.start_date) === current ? html` <small>(current)</small>` : ''
              }</span
            ></label
          >`,
      )}
    </div>
  </fieldset>`;
}

/** The chosen day if it has times, else the first day that does. */
export function selectedDay(query: FormQuery, days: Map<string, SlotDto[]>): string | undefined {
  const asked = queryText(query, 'date');
  if (asked !== undefined && days.has(asked)) return asked;
  return days.keys().next().value;
}
