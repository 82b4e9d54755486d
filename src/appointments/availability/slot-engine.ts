import {
  DAY_MS,
  DateKey,
  MINUTE_MS,
  dateKeyOf,
  firstInstantAtOrAfterWall,
  instantsAtWall,
  parseLocalDate,
  wallMs,
  zoneOf,
} from './wall-clock';
import type { TzZone } from '../../common/time/tz';
import { LAST_INSTANT_EXCLUSIVE } from '../../common/validation/validators';
import type {
  AvailabilityWindow,
  Weekday,
  WeeklyAvailability,
} from '../../appointment-types/appointment-type.types';
import {
  type Blackout,
  type DateOverrides,
  type HostSchedule,
  ScheduleIndex,
  countBelow,
  countBelowOrEqual,
  openHours,
  windowInstants,
  windowsOn,
} from './schedule';

export type { AvailabilityWindow, Blackout, DateOverrides, HostSchedule, Weekday, WeeklyAvailability };

/** The scheduling settings of one appointment type. Durations, buffers and notices are in minutes. */
export interface SlotRules {
  typeId: number;
  timezone: string;
  duration: number;
  increment: number;
  bufferBefore: number;
  bufferAfter: number;
  minNotice: number;
  /** null (or undefined from loose callers) means no booking horizon. */
  maxNotice: number | null;
  /** Per local day in `timezone`; 0 = no cap. */
  maxEventCount: number;
  /** Seats per slot, >= 1. */
  capacity: number;
  availability: Partial<Record<Weekday, AvailabilityWindow[]>>;
  /** The active hosts. Empty = the type itself is the single bookable resource (unless `hostsInactive`). */
  hostIds: number[];
  /** A draft type offers nothing; only a booking that ignores availability takes it. */
  draft?: boolean;
  /** The type names hosts and none of them is active: it offers nothing, rather than becoming host-less. */
  hostsInactive?: boolean;
  /** Type's zone. For a date listed, its windows replace the weekly pattern; [] closes the day. */
  dateOverrides?: DateOverrides;
  /** Keyed by host id; hosts absent from the map follow the type. */
  hostSchedules?: Record<number, HostSchedule>;
  /** Blackouts that apply to this type or its hosts (the caller loads the relevant ones for the range). */
  blackouts?: Blackout[];
}

export type CandidateRules = Pick<
  SlotRules,
  'timezone' | 'duration' | 'increment' | 'availability' | 'dateOverrides'
>;

/** Why an existing appointment no longer fits its schedule (see {@link scheduleConflict}). */
export type ScheduleConflict = 'outside_type_hours' | 'blackout' | 'outside_host_hours' | 'host_blackout';

/**
 * An active appointment, of any type, that may compete for the same resources. Times are epoch ms;
 * the buffers are those of the appointment's own type.
 */
export interface BusyAppointment {
  id: number;
  typeId: number;
  start: number;
  end: number;
  bufferBefore: number;
  bufferAfter: number;
  hostIds: readonly number[];
}

export interface Slot {
  start: number;
  end: number;
  seatsRemaining: number;
  /** Free hosts in booking preference order (fewest appointments that local day, then lowest id); [] without hosts. */
  freeHostIds: number[];
}

export interface SlotOptions {
  /** The appointment being rescheduled, which must not block its own new time. */
  ignoreAppointmentId?: number;
}

export type SlotCheck =
  | { ok: true; hostId: number | null }
  | { ok: false; reason: 'appointment_type_not_published' | 'slot_not_offered' | 'slot_unavailable' };

/**
 * The most candidate starts one availability request may cover (a 1-minute grid gives 1,440 a day): it
 * bounds the work and the size of one response, whatever the grid, the range and the number of hosts.
 */
export const MAX_CANDIDATE_STARTS = 10_000;

/** Whether the type offers anything at all, before its schedule is looked at. */
export function offersAnything(rules: Pick<SlotRules, 'draft' | 'hostsInactive'>): boolean {
  return !rules.draft && !rules.hostsInactive;
}

/**
 * Every start the type's availability produces for the local dates `fromLocalDate`..`toLocalDate`
 * (inclusive, in the type's time zone), sorted and deduplicated, before notice, horizon or conflicts.
 */
export function candidateStarts(rules: CandidateRules, fromLocalDate: string, toLocalDate: string): number[] {
  assertCandidateRules(rules);
  const zone = zoneOf(rules.timezone);
  const starts: number[] = [];
  for (const date of localDates(fromLocalDate, toLocalDate)) starts.push(...dayCandidates(zone, date, rules));
  return sortedUnique(starts);
}

/**
 * The slots a customer can book in the local date range, in time order. `busy` must hold every
 * active appointment that can reach the range (see {@link loadMarginMs}); extra ones are harmless.
 */
export function computeSlots(
  rules: SlotRules,
  fromLocalDate: string,
  toLocalDate: string,
  busy: readonly BusyAppointment[],
  now: number,
  opts: SlotOptions = {},
): Slot[] {
  return [...slotBatches(rules, fromLocalDate, toLocalDate, busy, now, Infinity, opts)].flat();
}

/**
 * {@link computeSlots} in batches of at most `batchSize` candidate starts, in time order, so that a caller
 * can let other work run between batches.
 */
export function* slotBatches(
  rules: SlotRules,
  fromLocalDate: string,
  toLocalDate: string,
  busy: readonly BusyAppointment[],
  now: number,
  batchSize: number,
  opts: SlotOptions = {},
): Generator<Slot[], void, undefined> {
  assertRules(rules);
  const zone = zoneOf(rules.timezone);
  const dates = localDates(fromLocalDate, toLocalDate);
  if (dates.length === 0 || !offersAnything(rules)) return;
  const candidates = dates.map((date) => dayCandidates(zone, date, rules));
  const frame = new DayFrame(zone, dates);
  const durationMs = rules.duration * MINUTE_MS;
  const schedules = ScheduleIndex.build(rules, rules.hostIds, frame.start, frame.end + durationMs);
  const occupancy = new Occupancy(rules, busyIndexOf(rules, dates, frame, busy, opts), schedules);
  for (let day = 0; day < dates.length; day++) {
    for (let from = 0; from < candidates[day].length; from += batchSize) {
      yield occupancy.daySlots(candidates[day].slice(from, from + batchSize), day, now);
    }
  }
}

/** Whether the local date range holds more than `limit` candidate starts; stops counting once it does. */
export function exceedsCandidates(
  rules: CandidateRules,
  fromLocalDate: string,
  toLocalDate: string,
  limit: number,
): boolean {
  assertCandidateRules(rules);
  const zone = zoneOf(rules.timezone);
  let total = 0;
  for (const date of localDates(fromLocalDate, toLocalDate)) {
    total += dayCandidates(zone, date, rules).length;
    if (total > limit) return true;
  }
  return false;
}

/**
 * Validates one requested start for booking. Only the start's own local date is expanded, so this
 * stays cheap on the booking path; `busy` needs the appointments around `start` (see {@link loadMarginMs}).
 */
export function checkSlot(
  rules: SlotRules,
  start: number,
  busy: readonly BusyAppointment[],
  now: number,
  opts: SlotOptions = {},
): SlotCheck {
  assertRules(rules);
  if (rules.draft) return { ok: false, reason: 'appointment_type_not_published' };
  if (rules.hostsInactive) return { ok: false, reason: 'slot_not_offered' };
  const zone = zoneOf(rules.timezone);
  const date = dateKeyOf(zone, start);
  const end = start + rules.duration * MINUTE_MS;
  const schedules = ScheduleIndex.build(rules, rules.hostIds, start, end);
  const offered =
    dayCandidates(zone, date, rules).includes(start) &&
    bookableAt(rules, start, now) &&
    schedulesOffer(rules, schedules, start, end);
  if (!offered) return { ok: false, reason: 'slot_not_offered' };
  const frame = new DayFrame(zone, [date]);
  const occupancy = new Occupancy(rules, new BusyIndex(rules, frame, busy, opts), schedules);
  const [slot] = occupancy.daySlots([start], 0, now);
  if (!slot) return { ok: false, reason: 'slot_unavailable' };
  return { ok: true, hostId: rules.hostIds.length > 0 ? slot.freeHostIds[0] : null };
}

/**
 * For `?conflicts=true`: why an existing appointment no longer fits its schedule, or null if it fits.
 * Only schedules count (not the grid, notice, capacity or other appointments): the core must lie inside
 * the type's windows (overrides applied) and overlap no site or type blackout, and for each assigned
 * host lie inside the host's own hours (when it has them) and overlap none of its member blackouts.
 */
export function scheduleConflict(
  rules: SlotRules,
  appointment: { start: number; end: number; hostIds: readonly number[] },
): ScheduleConflict | null {
  const { start, end, hostIds } = appointment;
  const typeHours = openHours(zoneOf(rules.timezone), rules.availability, rules.dateOverrides, start, end);
  if (!typeHours.covers(start, end)) return 'outside_type_hours';
  const schedules = ScheduleIndex.build(rules, hostIds, start, end);
  if (schedules.typeClosed(start, end)) return 'blackout';
  if (hostIds.some((hostId) => !schedules.withinHostHours(hostId, start, end))) return 'outside_host_hours';
  if (hostIds.some((hostId) => schedules.hostBlackedOut(hostId, start, end))) return 'host_blackout';
  return null;
}

/**
 * No site or type blackout overlaps the core and, with hosts, the core lies inside some host's own hours.
 * A member blackout does not close the time: it makes that host busy, as an appointment would (DESIGN:
 * "no free host" is 409 slot_unavailable), so only the occupancy check refuses it.
 */
function schedulesOffer(rules: SlotRules, schedules: ScheduleIndex, start: number, end: number): boolean {
  if (schedules.typeClosed(start, end)) return false;
  return rules.hostIds.length === 0 || rules.hostIds.some((id) => schedules.withinHostHours(id, start, end));
}

/** The instants where the local date range begins and ends (exclusive) in `timezone`. */
export function localDayBounds(
  timezone: string,
  fromLocalDate: string,
  toLocalDate: string,
): { start: number; end: number } {
  const zone = zoneOf(timezone);
  const from = parseLocalDate(fromLocalDate);
  const to = parseLocalDate(toLocalDate);
  return { start: firstInstantAtOrAfterWall(zone, from), end: firstInstantAtOrAfterWall(zone, to + DAY_MS) };
}

/**
 * How far around {@link localDayBounds} the caller must load appointments: every appointment whose
 * core [start, end) overlaps [bounds.start - margin, bounds.end + margin) can block a slot or count
 * towards a daily total. `longestBufferMinutes` is the largest buffer_before/buffer_after of any
 * type whose appointments share these resources (the maximum over all types is always safe).
 */
export function loadMarginMs(
  rules: Pick<SlotRules, 'duration' | 'bufferBefore' | 'bufferAfter'>,
  longestBufferMinutes: number,
): number {
  const ownBuffer = Math.max(rules.bufferBefore, rules.bufferAfter);
  return (rules.duration + ownBuffer + Math.max(ownBuffer, longestBufferMinutes)) * MINUTE_MS;
}

/**
 * Within the type's notice and horizon, and ending before the year 10000, which no answer, calendar file or
 * payload could print (offered, such a start was then refused by booking).
 */
function bookableAt(rules: SlotRules, start: number, now: number): boolean {
  if (start < now + rules.minNotice * MINUTE_MS) return false;
  if (start + rules.duration * MINUTE_MS >= LAST_INSTANT_EXCLUSIVE) return false;
  return rules.maxNotice == null || start <= now + rules.maxNotice * MINUTE_MS;
}

function localDates(fromLocalDate: string, toLocalDate: string): DateKey[] {
  const dates: DateKey[] = [];
  for (let date = parseLocalDate(fromLocalDate); date <= parseLocalDate(toLocalDate); date += DAY_MS) {
    dates.push(date);
  }
  return dates;
}

function dayCandidates(zone: TzZone, date: DateKey, rules: CandidateRules): number[] {
  const durationMs = rules.duration * MINUTE_MS;
  const incrementMs = rules.increment * MINUTE_MS;
  const starts: number[] = [];
  for (const window of windowsOn(rules.availability, rules.dateOverrides, date)) {
    const interval = windowInstants(zone, date, window);
    if (!interval) continue;
    const { start: windowStart, end: windowEnd } = interval;
    const first = firstOnGrid(zone, date, windowStart, rules.increment);
    // Stepping in absolute time keeps every slot `duration` long across a DST change, which is
    // why a fall-back window repeats 01:00 and 01:30 and a spring-forward one skips 02:xx.
    for (let start = first; start + durationMs <= windowEnd; start += incrementMs) starts.push(start);
  }
  return sortedUnique(starts);
}

/**
 * The grid is anchored to the wall clock (a 15-minute grid reads :00/:15/:30/:45 locally), so the
 * first start is searched in wall-clock minutes; a grid time skipped by spring forward has no
 * instant and the next one is tried.
 */
function firstOnGrid(zone: TzZone, date: DateKey, windowStart: number, increment: number): number {
  const startMinute = (wallMs(zone, windowStart) - date) / MINUTE_MS;
  const firstMinute = Math.ceil(startMinute / increment) * increment;
  for (let minute = firstMinute; minute <= firstMinute + 1440; minute += increment) {
    const hit = instantsAtWall(zone, date + minute * MINUTE_MS).find((instant) => instant >= windowStart);
    if (hit !== undefined) return hit;
  }
  return Infinity;
}

/** Local day boundaries of a contiguous date range, so instants map to local dates without a zone lookup. */
class DayFrame {
  /** bounds[i] is where dates[i] begins; the last entry is where the range ends. */
  private readonly bounds: number[];

  constructor(zone: TzZone, dates: DateKey[]) {
    this.bounds = [...dates, dates[dates.length - 1] + DAY_MS].map((date) =>
      firstInstantAtOrAfterWall(zone, date),
    );
  }

  get count(): number {
    return this.bounds.length - 1;
  }

  /** Where the first date begins. */
  get start(): number {
    return this.bounds[0];
  }

  /** Where the last date ends. */
  get end(): number {
    return this.bounds[this.bounds.length - 1];
  }

  /** Index of the local date holding `instant`, or -1 outside the range. */
  indexOf(instant: number): number {
    if (instant < this.bounds[0] || instant >= this.bounds[this.bounds.length - 1]) return -1;
    return countBelowOrEqual(this.bounds, instant) - 1;
  }
}

/**
 * The busy appointments of one resource, preprocessed so a candidate start is answered with one
 * binary search instead of a scan.
 *
 * An appointment A blocks a candidate start s when the candidate's buffered span overlaps A's core
 * (A.start - duration - bufferAfter < s < A.end + bufferBefore) or the candidate's core overlaps A's
 * buffered span (A.start - A.bufferBefore - duration < s < A.end + A.bufferAfter). Both ranges of s
 * contain (A.start - duration, A.end), so their union is one open interval (lo, hi). Sorting those
 * by lo with a running maximum of hi answers "does any interval contain s" exactly, however the
 * intervals nest.
 *
 * Same-type appointments sharing a start share seats instead of blocking, so they are merged into
 * one interval per start and the running maximum also tracks the runner-up: when the interval
 * reaching furthest is the candidate's own start group, the runner-up decides.
 */
class ResourceSchedule {
  private readonly los: number[] = [];
  private readonly topHi: number[] = [];
  /** The start of the group reaching furthest so far, NaN for an appointment of another type. */
  private readonly topGroup: number[] = [];
  private readonly runnerUpHi: number[] = [];
  /** The same-type start groups, ascending, and the seats each takes. */
  private readonly groupStarts: number[] = [];
  private readonly groupSeats: number[] = [];
  /** Sweep positions: how many `los` (and `groupStarts`) lie below the start asked about last. */
  private below = 0;
  private groupsBelow = 0;

  constructor(
    intervals: { lo: number; hi: number; group: number }[],
    groups: { start: number; seats: number }[],
  ) {
    intervals.sort((a, b) => a.lo - b.lo);
    let topHi = -Infinity;
    let topGroup = NaN;
    let runnerUpHi = -Infinity;
    for (const interval of intervals) {
      if (interval.hi > topHi) {
        runnerUpHi = topHi;
        topHi = interval.hi;
        topGroup = interval.group;
      } else if (interval.hi > runnerUpHi) {
        runnerUpHi = interval.hi;
      }
      this.los.push(interval.lo);
      this.topHi.push(topHi);
      this.topGroup.push(topGroup);
      this.runnerUpHi.push(runnerUpHi);
    }
    for (const group of groups) {
      this.groupStarts.push(group.start);
      this.groupSeats.push(group.seats);
    }
  }

  /**
   * Candidates arrive in time order, so each lookup sweeps on from the previous one (the whole walk reads
   * each interval once); a start earlier than the previous one falls back to a binary search.
   */
  freeSeats(start: number, capacity: number): number {
    const below = (this.below = sweepBelow(this.los, this.below, start));
    if (below > 0) {
      const i = below - 1;
      const reach = this.topGroup[i] === start ? this.runnerUpHi[i] : this.topHi[i];
      if (reach > start) return 0;
    }
    const g = (this.groupsBelow = sweepBelow(this.groupStarts, this.groupsBelow, start));
    const taken = this.groupStarts[g] === start ? this.groupSeats[g] : 0;
    return Math.max(0, capacity - taken);
  }
}

/** Has nothing to sweep, so sharing it is safe. */
const EMPTY_SCHEDULE = new ResourceSchedule([], []);

/** countBelow(sorted, value), given `from` = countBelow(sorted, some earlier value). */
function sweepBelow(sorted: readonly number[], from: number, value: number): number {
  if (from > 0 && sorted[from - 1] >= value) return countBelow(sorted, value);
  let i = from;
  while (i < sorted.length && sorted[i] < value) i++;
  return i;
}

/**
 * Collects one resource's appointments: another type's block it over (lo, hi); the type's own share
 * seats per start, so they are merged into one interval per start.
 */
class ResourceBuilder {
  private readonly intervals: { lo: number; hi: number; group: number }[] = [];
  private readonly own: { start: number; lo: number; hi: number }[] = [];

  add(lo: number, hi: number, start: number, ownType: boolean): void {
    if (ownType) this.own.push({ start, lo, hi });
    else this.intervals.push({ lo, hi, group: NaN });
  }

  build(): ResourceSchedule {
    this.own.sort((a, b) => a.start - b.start);
    const groups: { start: number; seats: number }[] = [];
    for (let i = 0; i < this.own.length;) {
      const { start } = this.own[i];
      let { lo, hi } = this.own[i];
      let j = i + 1;
      for (; j < this.own.length && this.own[j].start === start; j++) {
        lo = Math.min(lo, this.own[j].lo);
        hi = Math.max(hi, this.own[j].hi);
      }
      this.intervals.push({ lo, hi, group: start });
      groups.push({ start, seats: j - i });
      i = j;
    }
    return new ResourceSchedule(this.intervals, groups);
  }
}

/**
 * What the busy list means for one type's calendars over a date range: each host's (or the type's own) busy
 * intervals, and the appointments per local day. Depends only on the busy list, the type's hosts, duration,
 * buffers and zone, the range, and the appointment left out.
 */
class BusyIndex {
  readonly hostIds: number[];
  /** The type's own calendar: what counts for a type without hosts (empty for one with hosts). */
  readonly typeSchedule: ResourceSchedule;
  readonly hostSchedules = new Map<number, ResourceSchedule>();
  readonly typeCountByDay: number[];
  /** Appointments of any type per host and local day, for the least-busy host choice. */
  readonly hostCountByDay = new Map<number, number[]>();

  constructor(rules: SlotRules, days: DayFrame, busy: readonly BusyAppointment[], opts: SlotOptions) {
    this.hostIds = [...new Set(rules.hostIds)].sort((a, b) => a - b);
    this.typeCountByDay = new Array<number>(days.count).fill(0);
    for (const hostId of this.hostIds) this.hostCountByDay.set(hostId, new Array<number>(days.count).fill(0));

    // Hosted appointments occupy their hosts, host-less ones their type; a type without hosts is its own
    // calendar, which its appointments take even when they also name a host. So with hosts only their
    // calendars count, and without only the type's own appointments do.
    const typeBuilder = this.hostIds.length === 0 ? new ResourceBuilder() : null;
    const hostBuilders = new Map(this.hostIds.map((hostId) => [hostId, new ResourceBuilder()]));
    const { duration, bufferBefore, bufferAfter, typeId } = rules;
    for (const appointment of busy) {
      if (appointment.id === opts.ignoreAppointmentId) continue;
      const hostIds = uniqueIds(appointment.hostIds);
      this.countDay(days.indexOf(appointment.start), appointment.typeId === typeId, hostIds);
      const lo = appointment.start - (duration + Math.max(bufferAfter, appointment.bufferBefore)) * MINUTE_MS;
      const hi = appointment.end + Math.max(bufferBefore, appointment.bufferAfter) * MINUTE_MS;
      const ownType = appointment.typeId === typeId;
      if (typeBuilder) {
        if (ownType) typeBuilder.add(lo, hi, appointment.start, true);
        continue;
      }
      for (const hostId of hostIds) hostBuilders.get(hostId)?.add(lo, hi, appointment.start, ownType);
    }
    this.typeSchedule = typeBuilder?.build() ?? EMPTY_SCHEDULE;
    for (const [hostId, builder] of hostBuilders) this.hostSchedules.set(hostId, builder.build());
  }

  /** Counts an appointment towards its local day's totals (`day` -1: outside the range), for the cap and hosts. */
  private countDay(day: number, ownType: boolean, hostIds: readonly number[]): void {
    if (day < 0) return;
    if (ownType) this.typeCountByDay[day]++;
    for (const hostId of hostIds) {
      const counts = this.hostCountByDay.get(hostId);
      if (counts) counts[day]++;
    }
  }
}

/**
 * Indexes kept, the most recently used last: a few, whatever the lists, so that what they hold stays bounded (one
 * of a 10,000-appointment month is about a megabyte; kept per list, a client asking for thousands of ranges kept
 * hundreds of megabytes).
 */
const keptIndexes = new Map<string, { busy: readonly BusyAppointment[]; index: BusyIndex }>();
const MAX_KEPT_INDEXES = 16;
/** Shorter lists are indexed again for each request: well under a millisecond. */
const MIN_KEPT_LIST = 500;

/**
 * The busy index of a list, built once while the list stays the same (BusyCache answers the same array until
 * anything changes): a booking page asks for the same month again and again, and building the index of its ten
 * thousand appointments was most of the answer's cost over that of an empty month (issue 12, target 5). Its
 * schedules' sweep positions are shared too, which is safe: a lookup behind a schedule's position searches again.
 */
function busyIndexOf(
  rules: SlotRules,
  dates: readonly DateKey[],
  frame: DayFrame,
  busy: readonly BusyAppointment[],
  opts: SlotOptions,
): BusyIndex {
  if (busy.length < MIN_KEPT_LIST) return new BusyIndex(rules, frame, busy, opts);
  const key = [
    rules.typeId,
    rules.timezone,
    rules.duration,
    rules.bufferBefore,
    rules.bufferAfter,
    rules.hostIds.join(','),
    dates[0],
    dates.length,
    opts.ignoreAppointmentId ?? '',
  ].join('|');
  const kept = keptIndexes.get(key);
  keptIndexes.delete(key);
  const index = kept?.busy === busy ? kept.index : new BusyIndex(rules, frame, busy, opts);
  keptIndexes.set(key, { busy, index });
  for (const oldest of keptIndexes.keys()) {
    if (keptIndexes.size <= MAX_KEPT_INDEXES) break;
    keptIndexes.delete(oldest);
  }
  return index;
}

/** The busy list's index and the hours, for the slots of one request. */
class Occupancy {
  constructor(
    private readonly rules: SlotRules,
    private readonly busy: BusyIndex,
    /** Hours and blackouts: a candidate is offered only where they admit it. */
    private readonly hours: ScheduleIndex,
  ) {}

  /** The slots among `candidates`, sorted candidate starts of the frame's `day`-th local date. */
  daySlots(candidates: number[], day: number, now: number): Slot[] {
    const { rules } = this;
    const durationMs = rules.duration * MINUTE_MS;
    const slots: Slot[] = [];
    const { busy } = this;
    const capLeft = rules.maxEventCount > 0 ? rules.maxEventCount - busy.typeCountByDay[day] : Infinity;
    if (capLeft <= 0) return slots;
    const { typeSchedule } = busy;
    // The day's counts decide the preference, so the hosts are ordered once per day, not per candidate.
    // Stable sort over ids already ascending gives the lowest-id tie break.
    const hosts = [...busy.hostIds]
      .sort((a, b) => this.hostCount(a, day) - this.hostCount(b, day))
      .map((hostId) => ({
        hostId,
        schedule: busy.hostSchedules.get(hostId) ?? EMPTY_SCHEDULE,
        constrained: this.hours.constrains(hostId),
      }));
    for (const start of candidates) {
      const end = start + durationMs;
      if (!bookableAt(rules, start, now) || this.hours.typeClosed(start, end)) continue;
      let seats: number;
      const freeHostIds: number[] = [];
      if (hosts.length === 0) {
        seats = typeSchedule.freeSeats(start, rules.capacity);
      } else {
        seats = 0;
        for (const { hostId, schedule, constrained } of hosts) {
          if (constrained && !this.hours.hostAdmits(hostId, start, end)) continue;
          const free = schedule.freeSeats(start, rules.capacity);
          if (free > 0) {
            seats += free;
            freeHostIds.push(hostId);
          }
        }
      }
      const seatsRemaining = Math.min(seats, capLeft);
      if (seatsRemaining > 0) slots.push({ start, end, seatsRemaining, freeHostIds });
    }
    return slots;
  }

  private hostCount(hostId: number, day: number): number {
    return this.busy.hostCountByDay.get(hostId)?.[day] ?? 0;
  }
}

/** `ids` without repeats, in first-seen order; the array itself when it has none (the usual case). */
function uniqueIds(ids: readonly number[]): readonly number[] {
  for (let i = 1; i < ids.length; i++) if (ids.indexOf(ids[i]) < i) return [...new Set(ids)];
  return ids;
}

function assertCandidateRules(rules: CandidateRules): void {
  if (!(Number.isInteger(rules.duration) && rules.duration > 0)) {
    throw new RangeError(`duration must be a positive integer, got ${rules.duration}`);
  }
  if (!(Number.isInteger(rules.increment) && rules.increment > 0)) {
    throw new RangeError(`increment must be a positive integer, got ${rules.increment}`);
  }
}

function assertRules(rules: SlotRules): void {
  assertCandidateRules(rules);
  if (!(Number.isInteger(rules.capacity) && rules.capacity >= 1)) {
    throw new RangeError(`capacity must be an integer >= 1, got ${rules.capacity}`);
  }
  for (const key of ['bufferBefore', 'bufferAfter', 'minNotice', 'maxEventCount'] as const) {
    if (!(rules[key] >= 0)) throw new RangeError(`${key} must be >= 0, got ${rules[key]}`);
  }
}

function sortedUnique(values: number[]): number[] {
  values.sort((a, b) => a - b);
  return values.filter((value, i) => i === 0 || value !== values[i - 1]);
}
