import * as fs from 'fs';
import moment from 'moment-timezone';
import * as path from 'path';
import { formatUtc, localTimeParts } from './local-time';

interface PhpLocalTimeFixture {
  utc: string;
  timezone: string;
  raw: string;
  formatted: string;
  /** PHP `F j, Y` */
  date: string;
  /** PHP `g:i a` */
  time: string;
  abbreviation: string;
  offset: string;
}

const fixture: PhpLocalTimeFixture[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../test/fixtures/php-local-time.json'), 'utf8'),
);

describe('formatUtc', () => {
  it('formats ISO strings and Dates as UTC SQL datetimes', () => {
    expect(formatUtc('2018-09-20T16:15:00.000Z')).toBe('2018-09-20 16:15:00');
    expect(formatUtc('2018-09-20T18:15:00+02:00')).toBe('2018-09-20 16:15:00');
    expect(formatUtc(new Date(Date.UTC(2018, 8, 19, 1, 0, 44)))).toBe('2018-09-19 01:00:44');
  });

  it('treats offset-less strings as UTC', () => {
    expect(formatUtc('2018-09-20 16:15:00')).toBe('2018-09-20 16:15:00');
  });

  it('rejects invalid dates', () => {
    expect(() => formatUtc('not a date')).toThrow(RangeError);
    expect(() => formatUtc(new Date(NaN))).toThrow(RangeError);
  });
});

describe('localTimeParts', () => {
  it('covers the whole PHP fixture', () => {
    expect(fixture).toHaveLength(86);
  });

  it.each(fixture.map((entry) => [`${entry.utc} ${entry.timezone}`, entry] as const))(
    'matches PHP DateTime for %s',
    (_label, entry) => {
      const parts = localTimeParts(entry.utc, entry.timezone);
      expect(parts.raw).toBe(entry.raw);
      expect(parts.formatted).toBe(entry.formatted);
      expect(parts.formatted_date).toBe(entry.date);
      expect(parts.formatted_time).toBe(entry.time);
      expect(parts.abbreviation).toBe(entry.abbreviation);
      expect(parts.timezone_offset).toBe(entry.offset);
      expect(`${parts.date} ${parts.time}`).toBe(entry.raw);
      expect(parts.timezone).toBe(entry.timezone);
    },
  );

  it('returns every part for the SSA sample', () => {
    expect(localTimeParts('2018-09-20T16:15:00.000Z', 'America/Los_Angeles')).toEqual({
      raw: '2018-09-20 09:15:00',
      date: '2018-09-20',
      time: '09:15:00',
      timezone: 'America/Los_Angeles',
      timezone_offset: '-0700',
      formatted: 'September 20, 2018 9:15 am PDT',
      formatted_date: 'September 20, 2018',
      formatted_time: '9:15 am',
      abbreviation: 'PDT',
    });
  });

  it('prints 12 am / 12 pm the way PHP g does', () => {
    expect(localTimeParts('2026-01-15T00:00:00Z', 'UTC').formatted_time).toBe('12:00 am');
    expect(localTimeParts('2026-01-15T12:00:00Z', 'UTC').formatted_time).toBe('12:00 pm');
  });

  it('falls back to PHP-style numeric abbreviations when the tz data has none', () => {
    moment.tz.add(['Test/No_Abbr_Quarter||-5J|0||', 'Test/No_Abbr_Hour||40|0||']);
    expect(localTimeParts('2026-01-01T00:00:00Z', 'Test/No_Abbr_Quarter').formatted).toBe(
      'January 1, 2026 5:45 am +0545',
    );
    expect(localTimeParts('2026-01-01T00:00:00Z', 'Test/No_Abbr_Hour').abbreviation).toBe('-04');
  });

  it('rejects unknown zones instead of silently using UTC', () => {
    expect(() => localTimeParts('2026-01-15T00:00:00Z', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
