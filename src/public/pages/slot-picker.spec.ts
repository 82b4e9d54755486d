import moment from 'moment-timezone';
import type { SlotDto } from '../../appointments/dto/availability.dto';
import {
  allZones,
  byLocalDate,
  CURRENT_NAMES,
  dayLinks,
  formatDay,
  formatDuration,
  formatPrice,
  formatTime,
  formatWhen,
  openOnPageOf,
  pageCalendar,
  Reading,
  readingOf,
  typeDates,
  unknownZone,
  viewerZone,
  windowStart,
  WINDOW_DAYS,
} from './slot-picker';

/** As in the US: 12 hours, the month first; as in Germany: 24 hours, the day first. */
const US: Reading = { hours: 12, monthFirst: true, locale: 'en-US' };
const DE: Reading = { hours: 24, monthFirst: false, locale: 'de' };

/** The date `n` days from now in UTC. */
const inDaysUtc = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('slot picker', () => {
  it('names the zone of an appointment as the zone menu and the times heading do (no underscores)', () => {
    expect(formatWhen('2026-11-30T08:00:00.000Z', 'America/New_York', US)).toBe(
      'Monday, November 30, 2026, 3:00 AM (America/New York)',
    );
    expect(formatWhen('2026-11-30T15:30:00.000Z', 'Europe/Berlin', DE)).toBe(
      'Monday, 30 November 2026, 16:30 (Europe/Berlin)',
    );
    // Each of the two ways of a reading on its own: the day first on a 12-hour clock (Australia).
    expect(
      formatWhen('2026-11-30T08:00:00.000Z', 'Australia/Sydney', {
        hours: 12,
        monthFirst: false,
        locale: 'en-AU',
      }),
    ).toBe('Monday, 30 November 2026, 7:00 PM (Australia/Sydney)');
  });

  it('tells the two hours apart that the clock shows twice as it goes back, and only those', () => {
    // America/New_York, 2 November 2031: 1:00 to 2:00 EDT, then 1:00 to 2:00 EST.
    const times = ['04:30', '05:00', '05:30', '06:00', '06:30', '07:00'].map((utc) =>
      formatTime(`2031-11-02T${utc}:00.000Z`, 'America/New_York', US),
    );
    expect(times).toEqual([
      '12:30 AM',
      '1:00 AM EDT',
      '1:30 AM EDT',
      '1:00 AM EST',
      '1:30 AM EST',
      '2:00 AM',
    ]);
    expect(formatWhen('2031-11-02T06:30:00.000Z', 'America/New_York', DE)).toBe(
      'Sunday, 2 November 2031, 01:30 EST (America/New York)',
    );
    // A zone whose clock goes back half an hour (Lord Howe), and one going back without a name for either offset.
    expect(formatTime('2031-04-05T14:45:00.000Z', 'Australia/Lord_Howe', DE)).toMatch(/^01:45 \S+$/);
    expect(formatTime('2031-04-05T15:15:00.000Z', 'Australia/Lord_Howe', DE)).toMatch(/^01:45 \S+$/);
    expect(formatTime('2031-04-05T14:45:00.000Z', 'Australia/Lord_Howe', DE)).not.toBe(
      formatTime('2031-04-05T15:15:00.000Z', 'Australia/Lord_Howe', DE),
    );
    // The clocks going forward skip an hour: nothing is shown twice.
    expect(formatTime('2031-03-09T07:30:00.000Z', 'America/New_York', US)).toBe('3:30 AM');
    expect(formatTime('2031-11-02T15:00:00.000Z', 'Europe/Berlin', DE)).toBe('16:00');
  });

  it("reads the clock of the region the browser names first, or of its language's usual region", () => {
    expect(readingOf('en-GB,en;q=0.9').hours).toBe(24);
    expect(readingOf('de').hours).toBe(24);
    expect(readingOf('fr-FR;q=1').hours).toBe(24);
    expect(readingOf('en-US,en;q=0.9,de;q=0.8').hours).toBe(12);
    expect(readingOf('en').hours).toBe(12);
    expect(readingOf('en-AU').hours).toBe(12);
    expect(readingOf('hi-IN').hours).toBe(12);
    // Regions without English of their own: the clock of the visitor's language there, not US English's.
    for (const tag of ['pt-BR', 'en-BR', 'ru', 'en-RU', 'zh-CN', 'tr-TR', 'vi'])
      expect([tag, readingOf(tag).hours]).toEqual([tag, 24]);
    expect(readingOf('es-MX').hours).toBe(12);
    // A clock the tag asks for by name.
    expect(readingOf('en-US-u-hc-h23').hours).toBe(24);
    expect(readingOf('de-u-hc-h12').hours).toBe(12);
    expect(readingOf(undefined).hours).toBe(12);
    expect(readingOf('*').hours).toBe(12);
    expect(readingOf('not a tag!').hours).toBe(12);
    expect(readingOf(`x${'-abcdefgh'.repeat(1000)}`).hours).toBe(12);
  });

  it('reads dates month first where the region writes them so in English (or in its own language without one)', () => {
    const monthFirst = (tag: string | undefined) => readingOf(tag).monthFirst;
    for (const tag of ['en-US', 'en', 'en-US,en;q=0.9', 'en-PH', 'es-US', 'zh-CN', 'ja'])
      expect([tag, monthFirst(tag)]).toEqual([tag, true]);
    for (const tag of ['en-GB', 'de', 'de-DE', 'fr-FR', 'en-AU', 'en-IN', 'pt-BR', 'es-MX', 'ru', 'en-IE'])
      expect([tag, monthFirst(tag)]).toEqual([tag, false]);
    // Without a header, or with one that is no language tag: as in the US.
    for (const tag of [undefined, '*', 'not a tag!']) expect(readingOf(tag)).toEqual(US);
    // The clock asked for by name changes the clock only.
    expect(readingOf('en-US-u-hc-h23')).toEqual({ hours: 24, monthFirst: true, locale: 'en-US-u-hc-h23' });
  });

  it("names a day's year only when it is not this year's", () => {
    expect(formatDay('2026-12-31', US, '2026-11-30')).toBe('Thursday, December 31');
    expect(formatDay('2027-01-01', US, '2026-11-30')).toBe('Friday, January 1, 2027');
    expect(formatDay('2027-01-01', DE, '2026-11-30')).toBe('Friday, 1 January 2027');
    expect(formatDay('2026-12-31', DE, '2026-11-30')).toBe('Thursday, 31 December');
  });

  it("offers zones by the names their people use now, UTC among them, and reads a browser's old name so", () => {
    const zones = allZones();
    expect(zones).toEqual(expect.arrayContaining(['Asia/Kolkata', 'Europe/Kyiv', 'Asia/Ho_Chi_Minh', 'UTC']));
    expect(zones).not.toContain('Asia/Calcutta');
    expect(zones).not.toContain('Europe/Kiev');
    // Named as the tz database names them now, beside the other zones of their country.
    expect(zones).toEqual(
      expect.arrayContaining([
        'America/Argentina/Buenos_Aires',
        'America/Argentina/Salta',
        'America/Indiana/Indianapolis',
        'America/Indiana/Knox',
        'America/Kentucky/Louisville',
        'America/Atikokan',
      ]),
    );
    for (const old of [
      'America/Buenos_Aires',
      'America/Indianapolis',
      'America/Louisville',
      'America/Coral_Harbour',
    ])
      expect(zones).not.toContain(old);
    // A zone merged into another in the tz database keeps its own name.
    expect(zones).toEqual(expect.arrayContaining(['Atlantic/Reykjavik', 'Europe/Amsterdam']));
    expect(new Set(zones).size).toBe(zones.length);
    expect(viewerZone({ tz: 'Asia/Calcutta' }, 'UTC')).toBe('Asia/Kolkata');
    expect(viewerZone({ tz: 'America/Buenos_Aires' }, 'UTC')).toBe('America/Argentina/Buenos_Aires');
    expect(viewerZone({ tz: 'America/New_York' }, 'UTC')).toBe('America/New_York');
    expect(viewerZone({ tz: 'Mars/Olympus' }, 'Europe/Berlin')).toBe('Europe/Berlin');
  });

  it('reads a zero offset as UTC (a browser on a fixed-offset clock reports +00:00), and names what it cannot read', () => {
    for (const zero of ['+00:00', '-00:00', '+0000', '+00', 'Z', 'z'])
      expect([zero, viewerZone({ tz: zero }, 'Europe/Berlin'), unknownZone({ tz: zero })]).toEqual([
        zero,
        'UTC',
        undefined,
      ]);
    // Zones, not offsets: another offset is no zone; its clock may change where the visitor is.
    expect(viewerZone({ tz: '+01:00' }, 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(unknownZone({ tz: '+01:00' })).toBe('+01:00');
    expect(unknownZone({ tz: 'Not/AZone' })).toBe('Not/AZone');
    // A zone read, or none asked for: nothing to say.
    for (const tz of ['Europe/Berlin', 'asia/calcutta', 'UTC', '', undefined])
      expect(unknownZone(tz === undefined ? {} : { tz })).toBeUndefined();
  });

  it("knows every zone ICU names by an old name: the tz database's name for a country's zone that ICU takes for another", () => {
    const renamed: Record<string, string> = {};
    const icuNames = new Set(Intl.supportedValuesOf('timeZone'));
    for (const country of moment.tz.countries()) {
      for (const name of moment.tz.zonesForCountry(country)) {
        if (icuNames.has(name)) continue;
        const icu = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
        if (icu !== name) renamed[icu] = name;
      }
    }
    expect(CURRENT_NAMES).toEqual(renamed);
  });

  it('shows fewer days on a page of a grid too fine for two weeks of it in one availability answer', () => {
    const days = (increment: number) =>
      pageCalendar(
        { timezone: 'Europe/Berlin', availability_increment: increment, max_booking_notice: null },
        'Asia/Tokyo',
      ).days;
    // 10,000 candidates at most; a day holds 1,500 of a 1-minute grid at most (25 hours, the end of DST); a page's
    // days in the visitor's zone reach two more of the type's, whose clocks change on other days.
    expect(days(1)).toBe(4);
    expect(days(2)).toBe(11);
    expect(days(3)).toBe(WINDOW_DAYS);
    expect(days(60)).toBe(WINDOW_DAYS);
  });

  it('shows a 1-minute grid on as many days as the visitor’s zone lets one availability answer hold', () => {
    const days = (typeZone: string, zone: string) =>
      pageCalendar({ timezone: typeZone, availability_increment: 1, max_booking_notice: null }, zone).days;
    // The type's zone, or one of the same midnights: six days are six of the type's dates.
    expect(days('Europe/Berlin', 'Europe/Berlin')).toBe(6);
    expect(days('Europe/Berlin', 'Europe/Paris')).toBe(6);
    // A fixed time apart: each of the visitor's days straddles a midnight of the type's, one date more.
    expect(days('UTC', 'Asia/Tokyo')).toBe(5);
    // Clocks that change in one zone and not the other: two more.
    expect(days('Europe/Berlin', 'Asia/Tokyo')).toBe(4);
    expect(days('America/New_York', 'Europe/London')).toBe(4);
  });

  it('never asks one availability answer for more of a 1-minute grid than it holds, on any page, around any clock change', () => {
    // Six of the type's dates at most: 1,500 starts each (a day of 25 hours), 10,000 in one answer.
    const zones = [
      'UTC',
      'Europe/London',
      'Europe/Berlin',
      'America/New_York',
      'America/St_Johns',
      'Asia/Kathmandu',
      'Australia/Adelaide',
      'Australia/Brisbane',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
    ];
    // An hour before and after each clock change of 2026 in these zones: a page's days reach across it.
    const moments = zones.flatMap((zone) =>
      moment.tz
        .zone(zone)!
        .untils.filter((at) => at > Date.UTC(2026, 0, 1) && at < Date.UTC(2027, 0, 1))
        .flatMap((at) => [at - 3_600_000, at + 3_600_000]),
    );
    const tooMany: string[] = [];
    jest.useFakeTimers();
    try {
      for (const now of moments) {
        jest.setSystemTime(now);
        for (const typeZone of zones) {
          for (const zone of zones) {
            const calendar = pageCalendar(
              { timezone: typeZone, availability_increment: 1, max_booking_notice: 7 * 24 * 60 },
              zone,
            );
            // Today's page, the next, and a page asked for far past the horizon (a link kept from before).
            for (const from of [undefined, inDaysUtc(calendar.days), '2027-07-01']) {
              const { start_date, end_date } = typeDates(
                windowStart(from === undefined ? {} : { from }, calendar),
                calendar,
              );
              const dates = (Date.parse(end_date) - Date.parse(start_date)) / 86_400_000 + 1;
              if (dates > 6) tooMany.push(`${typeZone} seen from ${zone} at ${new Date(now).toISOString()}`);
            }
          }
        }
      }
    } finally {
      jest.useRealTimers();
    }
    expect(tooMany).toEqual([]);
  });

  it('writes a price in the visitor’s way, in Latin digits and the currency’s own minor digits', () => {
    const price = (amount: number, currency: string, locale: string) =>
      formatPrice(amount, currency, { ...US, locale }).replace(/\u00a0/g, ' ');
    expect(price(80, 'USD', 'en-US')).toBe('$80.00');
    expect(price(49.5, 'EUR', 'de')).toBe('49,50 €');
    expect(price(80, 'USD', 'en-US-u-nu-arab')).toBe('$80.00');
    expect(price(80, 'USD', 'ar-SA')).toBe('80.00 US$');
    expect(price(80, 'KWD', 'en-US')).toBe('KWD 80.000');
    expect(price(80.125, 'KWD', 'en-US')).toBe('KWD 80.125');
    expect(price(1234567, 'JPY', 'en-US')).toBe('¥1,234,567');
    expect(price(1234567.89, 'JPY', 'en-US')).toBe('¥1,234,567.89');
    // Asked again: the same (the format kept).
    expect(price(80, 'KWD', 'en-US')).toBe('KWD 80.000');
  });

  it('writes a duration in minutes below an hour, else in hours and minutes', () => {
    expect([1, 45, 60, 61, 90, 120, 135].map(formatDuration)).toEqual([
      '1 minute',
      '45 minutes',
      '1 hour',
      '1 hour 1 minute',
      '1 hour 30 minutes',
      '2 hours',
      '2 hours 15 minutes',
    ]);
  });

  it('opens a day named without its page on the page that holds it, up to the type’s horizon', () => {
    const calendar = { zone: 'UTC', typeZone: 'UTC', days: 14, lastDate: inDaysUtc(3) };
    expect(openOnPageOf({ date: inDaysUtc(2) }, calendar)).toEqual({
      date: inDaysUtc(2),
      from: inDaysUtc(0),
    });
    // Past the horizon its page offers nothing and leads only back: the page opens as without a day named.
    for (const date of [inDaysUtc(4), inDaysUtc(400)])
      expect(openOnPageOf({ date }, calendar)).toEqual({ date });
    expect(openOnPageOf({ date: inDaysUtc(20) }, { ...calendar, lastDate: undefined })).toEqual({
      date: inDaysUtc(20),
      from: inDaysUtc(14),
    });
  });

  it('starts a page from today when the asked date is past, not a date, or beyond ten years', () => {
    const calendar = { zone: 'UTC', typeZone: 'UTC', days: 6 };
    const today = new Date().toISOString().slice(0, 10);
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    expect(windowStart({ from: inDays(30) }, calendar)).toMatchObject({
      from: inDays(30),
      to: inDays(35),
      days: 6,
    });
    for (const from of ['2001-01-01', '9999-12-20', '2030-02-30', 'soon', ['2030-01-01']]) {
      expect(windowStart({ from }, calendar).from).toBe(today);
    }
  });

  it('groups the slots by the viewer’s local date, in time order, a day of a 1-minute grid included', () => {
    const slot = (localStart: string) => ({ local_start: localStart }) as SlotDto;
    const minutes = Array.from({ length: 1440 }, (_, i) =>
      slot(
        `2030-01-08T${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00+01:00`,
      ),
    );
    const days = byLocalDate([
      slot('2030-01-07T23:59:00+01:00'),
      ...minutes,
      slot('2030-01-09T00:00:00+01:00'),
    ]);
    expect([...days.keys()]).toEqual(['2030-01-07', '2030-01-08', '2030-01-09']);
    expect(days.get('2030-01-08')).toEqual(minutes);
  });

  it('names the year on a day chip only for a day of another year than today’s', () => {
    const today = new Date().toISOString().slice(0, 10);
    const year = Number(today.slice(0, 4));
    const slot = { local_start: '' } as SlotDto;
    const chips = (reading: Reading) =>
      dayLinks({
        path: '/book/any',
        zone: 'UTC',
        reading,
        window: { from: today, to: today, today, days: 14 },
        days: new Map([
          [`${year}-12-31`, [slot]],
          [`${year + 1}-01-01`, [slot]],
        ]),
        selected: undefined,
      }).value;
    expect(chips(US)).toContain('<small>Dec 31</small>');
    expect(chips(US)).toContain(`<small>Jan 1, ${year + 1}</small>`);
    expect(chips(DE)).toContain(`<small>1 Jan ${year + 1}</small>`);
  });

  it('offers no page of days past the type’s horizon', () => {
    const calendar = pageCalendar(
      { timezone: 'UTC', availability_increment: 30, max_booking_notice: 4 * 24 * 60 },
      'UTC',
    );
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    expect(calendar.lastDate).toBe(inDays(4));
    const picker = (from?: string) => ({
      path: '/book/soon',
      zone: 'UTC',
      reading: US,
      window: windowStart(from === undefined ? {} : { from }, calendar),
      days: new Map(),
      selected: undefined,
    });
    expect(dayLinks(picker()).value).not.toContain('Later dates');
    const open = pageCalendar(
      { timezone: 'UTC', availability_increment: 30, max_booking_notice: 60 * 24 * 60 },
      'UTC',
    );
    expect(dayLinks({ ...picker(), window: windowStart({}, open) }).value).toContain('Later dates');
  });
});
