import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, ValidateNested } from 'class-validator';
import type { AvailabilityWindow } from './schedule.types';
import {
  AsSent,
  type Check,
  fieldNamed,
  firstFailure,
  localDate,
  matching,
  NestedFaultList,
  objectList,
  Optional,
  presentAnd,
  Satisfies,
} from '../validation/validators';
import { byText, type DateOverride, MAX_DATE_OVERRIDES } from './schedule.types';

/*
 * The shapes of a schedule, shared by appointment types and team members: weekly windows and date
 * overrides, validated the same way wherever they appear (HH:mm, start < end, 24:00 as the end of the
 * day, no overlapping windows within a day, one override per date).
 */

const HH_MM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
/** Half-hour windows all day long is the most a day can sensibly hold. */
export const MAX_WINDOWS_PER_DAY = 48;

const clockTime = matching(HH_MM, 'must be a time HH:mm (00:00 to 24:00)');

const afterStart: Check = (end, window) => {
  const start = (window as AvailabilityWindow).start;
  return typeof start === 'string' && HH_MM.test(start) && (end as string) <= start
    ? 'must be after start'
    : null;
};

const WINDOW_FIELDS: Record<keyof AvailabilityWindow, Check> = {
  start: presentAnd(clockTime),
  end: presentAnd((end, window) => clockTime(end, window) ?? afterStart(end, window)),
};

/** A window of a list (its shape in the API documentation; the list checks its items itself, see windowFaults). */
export class AvailabilityWindowDto implements AvailabilityWindow {
  @ApiProperty({ example: '09:00', pattern: HH_MM.source })
  start!: string;

  @ApiProperty({ example: '17:00', pattern: HH_MM.source })
  end!: string;
}

/**
 * Adds the faults of each window of a list (objects, objectList checked) under `path` and its index: fields it
 * does not have, then `start`, then `end`, worded and ordered as the pipe words an object's own fields. Checked
 * here rather than as objects of their own: a schedule may hold 26,400 windows (550 overrides of 48), which
 * class-transformer and class-validator took a few hundred milliseconds to walk, the event loop held all along.
 */
function addWindowFaults(windows: unknown, faults: NestedFaultList, path: () => string): void {
  (windows as Record<string, unknown>[]).forEach((window, i) => {
    for (const key of Object.keys(window)) {
      if (!Object.hasOwn(WINDOW_FIELDS, key))
        faults.add(() => `${path()}[${i}].${key}`, 'is not a known field');
    }
    for (const [field, check] of Object.entries(WINDOW_FIELDS)) {
      const fault = check(window[field], window);
      if (fault !== null) faults.add(() => `${path()}[${i}].${field}`, fault);
    }
  });
}

function windowFaults(windows: unknown): string | null {
  const faults = new NestedFaultList();
  addWindowFaults(windows, faults, () => '');
  return faults.answer();
}

/** Whether windows of a list overlap, of those whose start and end are times (strings: `['09:00']` is a fault). */
function noOverlaps(windows: unknown): string | null {
  const valid = (windows as Record<string, unknown>[]).filter(
    (w): w is Record<string, unknown> & AvailabilityWindow =>
      typeof w.start === 'string' &&
      typeof w.end === 'string' &&
      HH_MM.test(w.start) &&
      HH_MM.test(w.end) &&
      w.start < w.end,
  );
  const sorted = [...valid].sort((a, b) => byText(a.start, b.start));
  for (let i = 1; i < sorted.length; i += 1) {
    if (sorted[i].start < sorted[i - 1].end) {
      return `windows ${sorted[i - 1].start}-${sorted[i - 1].end} and ${sorted[i].start}-${sorted[i].end} overlap`;
    }
  }
  return null;
}

/** A list of windows as a whole: at most MAX_WINDOWS_PER_DAY objects, none overlapping another valid one. */
const windowList = firstFailure(objectList(MAX_WINDOWS_PER_DAY), noOverlaps);

function DayWindows(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: [AvailabilityWindowDto], maxItems: MAX_WINDOWS_PER_DAY })(target, key);
    Optional()(target, key);
    Satisfies(windowList, windowFaults)(target, key);
  };
}

/** Weekly opening hours in the type's time zone; a missing day has none. */
export class WeeklyAvailabilityDto {
  @DayWindows() monday?: AvailabilityWindowDto[];
  @DayWindows() tuesday?: AvailabilityWindowDto[];
  @DayWindows() wednesday?: AvailabilityWindowDto[];
  @DayWindows() thursday?: AvailabilityWindowDto[];
  @DayWindows() friday?: AvailabilityWindowDto[];
  @DayWindows() saturday?: AvailabilityWindowDto[];
  @DayWindows() sunday?: AvailabilityWindowDto[];
}

/** One local date with its own windows; `windows: []` closes the day (its shape in the API documentation). */
export class DateOverrideDto implements DateOverride {
  @ApiProperty({ example: '2030-12-24', format: 'date', description: 'local date YYYY-MM-DD' })
  date!: string;

  @ApiProperty({
    type: [AvailabilityWindowDto],
    maxItems: MAX_WINDOWS_PER_DAY,
    example: [{ start: '09:00', end: '12:00' }],
    description: "replace that date's weekly windows; [] closes the day",
  })
  windows!: AvailabilityWindowDto[];
}

const overrideDate = presentAnd(localDate);
const overrideWindows = fieldNamed('windows', windowList);
const OVERRIDE_FIELDS: ReadonlySet<string> = new Set<keyof DateOverride>(['date', 'windows']);

/**
 * Each override of a list (objects, objectList and uniqueDates checked), worded and ordered as the pipe words an
 * object's own fields: fields it does not have, then `date`, then `windows` (its own fault, else its windows').
 * The list is kept as sent (AsSent): 550 overrides made objects of their own, and their windows copied one by one,
 * held the event loop for tens of milliseconds in class-transformer.
 */
function overrideFaults(overrides: unknown): string | null {
  const faults = new NestedFaultList();
  (overrides as Record<string, unknown>[]).forEach((override, i) => {
    for (const key of Object.keys(override)) {
      if (!OVERRIDE_FIELDS.has(key)) faults.add(() => `[${i}].${key}`, 'is not a known field');
    }
    const date = overrideDate(override.date, override);
    if (date !== null) faults.add(() => `[${i}].date`, date);
    const windows = overrideWindows(override.windows, override);
    if (windows !== null) faults.add(() => `[${i}].windows`, windows);
    else addWindowFaults(override.windows, faults, () => `[${i}].windows`);
  });
  return faults.answer();
}

function uniqueDates(overrides: unknown): string | null {
  const seen = new Map<string, number>();
  const list = overrides as DateOverride[];
  for (let i = 0; i < list.length; i += 1) {
    const date = list[i].date;
    if (typeof date !== 'string') continue;
    const first = seen.get(date);
    if (first !== undefined)
      return `date ${date} is listed twice (items ${first} and ${i}); one override per date`;
    seen.set(date, i);
  }
  return null;
}

/** The `date_overrides` field of a create or update body (optional; null is refused, [] clears). */
export function DateOverridesField(description: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      type: [DateOverrideDto],
      maxItems: MAX_DATE_OVERRIDES,
      example: [
        { date: '2030-12-24', windows: [{ start: '09:00', end: '12:00' }] },
        { date: '2030-12-25', windows: [] },
      ],
      description,
    })(target, key);
    Optional()(target, key);
    AsSent(objectList(MAX_DATE_OVERRIDES), uniqueDates, overrideFaults)(target, key);
  };
}

/** The weekly `availability` field of a create or update body. */
export function WeeklyAvailabilityField(): PropertyDecorator {
  return (target, key) => {
    IsObject()(target, key);
    ValidateNested()(target, key);
    Type(() => WeeklyAvailabilityDto)(target, key);
  };
}
