import {
  DAY_MS,
  DateKey,
  MINUTE_MS,
  dateKeyOf,
  dayOfWeek,
  firstInstantAtOrAfterWall,
  formatDateKey,
  parseClock,
  zoneOf,
} from './wall-clock';
import type { TzZone } from '../../common/time/tz';
import {
  type AvailabilityWindow,
  type Weekday,
  type WeeklyAvailability,
  WEEKDAYS as WEEKDAYS_FROM_MONDAY,
} from '../../appointment-types/appointment-type.types';

/** Windows for single local dates (`YYYY-MM-DD`), each replacing that date's weekly windows; [] = closed. */
export type DateOverrides = Record<string, AvailabilityWindow[]>;

/** A host's own working hours. */
export interface HostSchedule {
  /** IANA zone of the host's own windows. */
  timezone: string;
  /** null/undefined = the host follows the type (free whenever the type offers). */
  availability?: WeeklyAvailability | null;
  /** Only meaningful with availability; replaces that weekday's windows on that date ([] = off). */
  dateOverrides?: DateOverrides;
}

export interface Blackout {
  /** epoch ms, [start, end) */
  start: number;
  end: number;
  /** null = closes the type (site- or type-scoped blackout); a member id = that host is busy. */
  hostId: number | null;
}

/** The parts of a type's rules that say when its hosts work and what is blacked out. */
export interface ScheduleRules {
  hostSchedules?: Record<number, HostSchedule>;
  blackouts?: Blackout[];
}

/** Indexed by Date#getUTCDay of a date key (Sunday first). */
const WEEKDAYS: readonly Weekday[] = [WEEKDAYS_FROM_MONDAY[6], ...WEEKDAYS_FROM_MONDAY.slice(0, 6)];

/** The windows of one local date: that date's override if there is one, else its weekday's windows. */
export function windowsOn(
  availability: WeeklyAvailability,
  overrides: DateOverrides | undefined,
  date: DateKey,
): readonly AvailabilityWindow[] {
  if (overrides) {
    const key = formatDateKey(date);
    if (Object.hasOwn(overrides, key)) return overrides[key];
  }
  return availability[WEEKDAYS[dayOfWeek(date)]] ?? [];
}

/**
 * The instants of one window of a local date, [start, end), or null when it is empty. Each edge is the
 * first instant the local clock reads that time or later (see firstInstantAtOrAfterWall).
 */
export function windowInstants(
  zone: TzZone,
  date: DateKey,
  window: AvailabilityWindow,
): { start: number; end: number } | null {
  const from = parseClock(window.start, false);
  const to = parseClock(window.end, true);
  if (to <= from) return null;
  return {
    start: firstInstantAtOrAfterWall(zone, date + from * MINUTE_MS),
    end: firstInstantAtOrAfterWall(zone, date + to * MINUTE_MS),
  };
}

/**
 * A union of [start, end) instant intervals as sorted, disjoint, non-touching intervals, so both
 * questions below take one binary search.
 */
export class IntervalSet {
  static readonly EMPTY = new IntervalSet([], []);

  private constructor(
    private readonly starts: number[],
    private readonly ends: number[],
  ) {}

  /** The union of `intervals`; touching ones merge (so a window ending at 24:00 joins one at 00:00). */
  static of(intervals: readonly { start: number; end: number }[]): IntervalSet {
    const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
    if (sorted.length === 0) return IntervalSet.EMPTY;
    const starts: number[] = [];
    const ends: number[] = [];
    for (const { start, end } of sorted) {
      const last = ends.length - 1;
      if (last >= 0 && start <= ends[last]) {
        ends[last] = Math.max(ends[last], end);
      } else {
        starts.push(start);
        ends.push(end);
      }
    }
    return new IntervalSet(starts, ends);
  }

  get isEmpty(): boolean {
    return this.starts.length === 0;
  }

  /** Whether [start, end) lies wholly inside the union. */
  covers(start: number, end: number): boolean {
    const i = countBelowOrEqual(this.starts, start) - 1;
    return i >= 0 && this.ends[i] >= end;
  }

  /** Whether [start, end) shares an instant with the union. */
  overlaps(start: number, end: number): boolean {
    const i = countBelow(this.starts, end) - 1;
    return i >= 0 && this.ends[i] > start;
  }
}

/**
 * The open hours of a weekly pattern with its date overrides in `zone`, as instants, over every local
 * date that can reach [from, to) (one spare date either side).
 */
export function openHours(
  zone: TzZone,
  availability: WeeklyAvailability,
  overrides: DateOverrides | undefined,
  from: number,
  to: number,
): IntervalSet {
  const intervals: { start: number; end: number }[] = [];
  const last = dateKeyOf(zone, to) + DAY_MS;
  for (let date = dateKeyOf(zone, from) - DAY_MS; date <= last; date += DAY_MS) {
    for (const window of windowsOn(availability, overrides, date)) {
      const interval = windowInstants(zone, date, window);
      if (interval) intervals.push(interval);
    }
  }
  return IntervalSet.of(intervals);
}

interface HostIndex {
  /** null = the host follows the type. */
  hours: IntervalSet | null;
  blackouts: IntervalSet;
}

const FOLLOWS_TYPE: HostIndex = { hours: null, blackouts: IntervalSet.EMPTY };

/**
 * Hosts' hours and blackouts over an instant range, built once so each candidate core is answered by
 * binary searches: a host's hours are the union of its windows on the local dates around the range.
 */
export class ScheduleIndex {
  private constructor(
    private readonly closed: IntervalSet,
    private readonly hosts: ReadonlyMap<number, HostIndex>,
  ) {}

  /** `from`..`to` must span every core that will be asked about. */
  static build(rules: ScheduleRules, hostIds: readonly number[], from: number, to: number): ScheduleIndex {
    const blackouts = rules.blackouts ?? [];
    const closed = IntervalSet.of(blackouts.filter((b) => b.hostId === null));
    const hosts = new Map<number, HostIndex>();
    for (const hostId of new Set(hostIds)) {
      const schedule = rules.hostSchedules?.[hostId];
      const own = blackouts.filter((b) => b.hostId === hostId);
      if (!schedule?.availability && own.length === 0) continue;
      const hours = schedule?.availability
        ? openHours(zoneOf(schedule.timezone), schedule.availability, schedule.dateOverrides, from, to)
        : null;
      hosts.set(hostId, { hours, blackouts: IntervalSet.of(own) });
    }
    return new ScheduleIndex(closed, hosts);
  }

  /** A site or type blackout overlaps the core. */
  typeClosed(start: number, end: number): boolean {
    return this.closed.overlaps(start, end);
  }

  /** The core lies inside the host's own hours (always true for a host that follows the type). */
  withinHostHours(hostId: number, start: number, end: number): boolean {
    const hours = this.host(hostId).hours;
    return hours === null || hours.covers(start, end);
  }

  /** A blackout of this member overlaps the core. */
  hostBlackedOut(hostId: number, start: number, end: number): boolean {
    return this.host(hostId).blackouts.overlaps(start, end);
  }

  /** The host has own hours or blackouts: without either, {@link hostAdmits} is always true. */
  constrains(hostId: number): boolean {
    return this.hosts.has(hostId);
  }

  /** The host's schedule (hours and blackouts) admits the core. */
  hostAdmits(hostId: number, start: number, end: number): boolean {
    return this.withinHostHours(hostId, start, end) && !this.hostBlackedOut(hostId, start, end);
  }

  private host(hostId: number): HostIndex {
    return this.hosts.get(hostId) ?? FOLLOWS_TYPE;
  }
}

/** Number of entries of the ascending `sorted` that are < value. */
export function countBelow(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of entries of the ascending `sorted` that are <= value. */
export function countBelowOrEqual(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
