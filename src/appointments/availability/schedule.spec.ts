import {
  BusyAppointment,
  Slot,
  SlotRules,
  candidateStarts,
  checkSlot,
  computeSlots,
  exceedsCandidates,
  scheduleConflict,
} from './slot-engine';
import { IntervalSet } from './schedule';
import { BERLIN, LONG_AGO, local, MINUTE, NEW_YORK, rules, wallClock, WORKDAY } from './slot-engine.fixture';

const KOLKATA = 'Asia/Kolkata';
const ALL_DAY = [{ start: '00:00', end: '24:00' }];
const EVERY_DAY = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function slotTimes(slots: Slot[], zone = BERLIN): string[] {
  return wallClock(
    slots.map((slot) => slot.start),
    zone,
  );
}

function appointment(id: number, start: number, minutes: number, hostIds: number[] = []): BusyAppointment {
  return { id, typeId: 2, start, end: start + minutes * MINUTE, bufferBefore: 0, bufferAfter: 0, hostIds };
}

const NOT_OFFERED = { ok: false, reason: 'slot_not_offered' };
const UNAVAILABLE = { ok: false, reason: 'slot_unavailable' };

describe('date overrides on the type', () => {
  const monday = '2026-06-15';

  it("replaces that date's weekday windows and leaves the same weekday of other weeks alone", () => {
    const r = rules({ dateOverrides: { [monday]: [{ start: '13:00', end: '14:00' }] } });
    expect(wallClock(candidateStarts(r, monday, monday), BERLIN)).toEqual(['13:00 +02:00', '13:30 +02:00']);
    expect(slotTimes(computeSlots(r, monday, monday, [], LONG_AGO))).toEqual([
      '13:00 +02:00',
      '13:30 +02:00',
    ]);
    expect(candidateStarts(r, '2026-06-22', '2026-06-22')).toHaveLength(16);
    expect(checkSlot(r, local('2026-06-15T09:00'), [], LONG_AGO)).toEqual(NOT_OFFERED);
    expect(checkSlot(r, local('2026-06-15T13:30'), [], LONG_AGO)).toEqual({ ok: true, hostId: null });
  });

  it('closes the day with `windows: []`', () => {
    const r = rules({ dateOverrides: { [monday]: [] } });
    expect(candidateStarts(r, monday, monday)).toEqual([]);
    expect(computeSlots(r, '2026-06-15', '2026-06-16', [], LONG_AGO)).toHaveLength(16);
    expect(checkSlot(r, local('2026-06-15T10:00'), [], LONG_AGO)).toEqual(NOT_OFFERED);
  });

  it('opens a Saturday that has no weekly windows', () => {
    const r = rules({ dateOverrides: { '2026-06-20': [{ start: '10:00', end: '12:00' }] } });
    expect(slotTimes(computeSlots(r, '2026-06-20', '2026-06-21', [], LONG_AGO))).toEqual([
      '10:00 +02:00',
      '10:30 +02:00',
      '11:00 +02:00',
      '11:30 +02:00',
    ]);
    expect(candidateStarts(r, '2026-06-27', '2026-06-27')).toEqual([]);
    expect(checkSlot(r, local('2026-06-20T11:30'), [], LONG_AGO)).toEqual({ ok: true, hostId: null });
  });

  it('counts overridden dates when bounding the candidates of a range', () => {
    const week = rules();
    expect(exceedsCandidates(week, '2026-06-15', '2026-06-21', 80)).toBe(false);
    const saturday = rules({ dateOverrides: { '2026-06-20': WORKDAY } });
    expect(exceedsCandidates(saturday, '2026-06-15', '2026-06-21', 80)).toBe(true);
    const closed = rules({ dateOverrides: { '2026-06-20': WORKDAY, '2026-06-15': [] } });
    expect(exceedsCandidates(closed, '2026-06-15', '2026-06-21', 80)).toBe(false);
  });

  it('behaves exactly as before when the new inputs are empty', () => {
    const busy = [appointment(1, local('2026-06-15T10:00'), 60, [1])];
    const plain = rules({ hostIds: [1, 2] });
    const empty = rules({ hostIds: [1, 2], dateOverrides: {}, hostSchedules: {}, blackouts: [] });
    expect(computeSlots(empty, '2026-06-14', '2026-06-20', busy, LONG_AGO)).toEqual(
      computeSlots(plain, '2026-06-14', '2026-06-20', busy, LONG_AGO),
    );
  });
});

describe("hosts' own hours", () => {
  const day = '2026-06-15';

  it('lets a host without availability follow the type, whatever its zone and overrides', () => {
    const r = rules({
      hostIds: [1, 2],
      hostSchedules: {
        1: { timezone: KOLKATA },
        2: { timezone: NEW_YORK, availability: null, dateOverrides: { [day]: [] } },
      },
    });
    const slots = computeSlots(r, day, day, [], LONG_AGO);
    expect(slots).toHaveLength(16);
    slots.forEach((slot) => expect(slot.freeHostIds).toEqual([1, 2]));
  });

  it('offers a 09:00–12:00 Asia/Kolkata host on a Europe/Berlin type only in the overlap', () => {
    // 09:00–12:00 IST is 05:30–08:30 CEST; the type opens at 07:00 Berlin.
    const kolkata = {
      timezone: KOLKATA,
      availability: Object.fromEntries(EVERY_DAY.map((d) => [d, [{ start: '09:00', end: '12:00' }]])),
    };
    const type = { monday: [{ start: '07:00', end: '17:00' }] };
    const single = rules({ availability: type, hostIds: [1], hostSchedules: { 1: kolkata } });
    expect(slotTimes(computeSlots(single, day, day, [], LONG_AGO))).toEqual([
      '07:00 +02:00',
      '07:30 +02:00',
      '08:00 +02:00',
    ]);
    expect(checkSlot(single, local('2026-06-15T08:00'), [], LONG_AGO)).toEqual({ ok: true, hostId: 1 });
    expect(checkSlot(single, local('2026-06-15T08:30'), [], LONG_AGO)).toEqual(NOT_OFFERED);

    const pair = rules({ availability: type, hostIds: [1, 2], hostSchedules: { 1: kolkata } });
    const slots = computeSlots(pair, day, day, [], LONG_AGO);
    expect(slots).toHaveLength(20);
    expect(slots[2]).toMatchObject({ start: local('2026-06-15T08:00'), freeHostIds: [1, 2] });
    expect(slots[3]).toMatchObject({ start: local('2026-06-15T08:30'), freeHostIds: [2] });
  });
});

describe("hosts' own hours across midnight and overrides", () => {
  const day = '2026-06-15';

  it("needs the host's windows on both sides of the host's midnight for a core that crosses it", () => {
    // Berlin 01:00–03:00 CEST is 23:00–01:00 UTC; the host works in UTC.
    const type = { monday: [{ start: '01:00', end: '03:00' }] };
    const hostWith = (monday: { start: string; end: string }[], dateOverrides = {}) =>
      rules({
        duration: 60,
        availability: type,
        hostIds: [1],
        hostSchedules: {
          1: {
            timezone: 'UTC',
            availability: { sunday: [{ start: '22:00', end: '24:00' }], monday },
            dateOverrides,
          },
        },
      });
    const offered = (r: SlotRules) => slotTimes(computeSlots(r, day, day, [], LONG_AGO));
    expect(offered(hostWith([]))).toEqual(['01:00 +02:00']);
    expect(offered(hostWith([{ start: '00:00', end: '00:30' }]))).toEqual(['01:00 +02:00', '01:30 +02:00']);
    expect(offered(hostWith([{ start: '00:00', end: '01:00' }]))).toEqual([
      '01:00 +02:00',
      '01:30 +02:00',
      '02:00 +02:00',
    ]);
    // The host's own override of its Monday (host's zone) closes the Monday side again.
    expect(offered(hostWith([{ start: '00:00', end: '01:00' }], { '2026-06-15': [] }))).toEqual([
      '01:00 +02:00',
    ]);
    expect(checkSlot(hostWith([]), local('2026-06-15T01:30'), [], LONG_AGO)).toEqual(NOT_OFFERED);
  });

  it("applies a host's override on a weekday the host does not otherwise work", () => {
    const r = rules({
      hostIds: [1],
      hostSchedules: {
        1: {
          timezone: BERLIN,
          availability: { tuesday: WORKDAY },
          dateOverrides: { [day]: [{ start: '16:00', end: '20:00' }] },
        },
      },
    });
    expect(slotTimes(computeSlots(r, day, '2026-06-17', [], LONG_AGO))).toEqual([
      '16:00 +02:00',
      '16:30 +02:00',
      ...slotTimes(computeSlots(rules(), '2026-06-16', '2026-06-16', [], LONG_AGO)),
    ]);
  });
});

describe("hosts' own hours in checkSlot", () => {
  it('reports slot_unavailable when a host whose hours admit the start is busy, not_offered when none admits it', () => {
    const r = rules({
      hostIds: [1, 2],
      hostSchedules: {
        1: { timezone: BERLIN, availability: { monday: [{ start: '12:00', end: '17:00' }] } },
      },
    });
    const ten = local('2026-06-15T10:00');
    expect(checkSlot(r, ten, [], LONG_AGO)).toEqual({ ok: true, hostId: 2 });
    expect(checkSlot(r, ten, [appointment(1, ten, 30, [2])], LONG_AGO)).toEqual(UNAVAILABLE);
    const noon = local('2026-06-15T12:00');
    // Host 1 has fewer appointments that day, so it is preferred once its hours admit the start.
    expect(checkSlot(r, noon, [appointment(1, ten, 30, [2])], LONG_AGO)).toEqual({ ok: true, hostId: 1 });
    const onlyOne = rules({ hostIds: [1], hostSchedules: r.hostSchedules });
    expect(checkSlot(onlyOne, ten, [], LONG_AGO)).toEqual(NOT_OFFERED);
  });
});

describe('blackouts', () => {
  const day = '2026-06-15';
  const ten = local('2026-06-15T10:00');
  const at = (time: string) => local(`2026-06-15T${time}`);

  it('makes a blacked-out member busy, so "any host" picks the other and a single host is not free', () => {
    const blackouts = [{ start: at('09:45'), end: at('11:00'), hostId: 1 }];
    const pair = rules({ hostIds: [1, 2], blackouts });
    expect(computeSlots(pair, day, day, [], LONG_AGO).find((s) => s.start === ten)).toMatchObject({
      seatsRemaining: 1,
      freeHostIds: [2],
    });
    expect(checkSlot(pair, ten, [], LONG_AGO)).toEqual({ ok: true, hostId: 2 });
    expect(checkSlot(pair, ten, [appointment(1, ten, 30, [2])], LONG_AGO)).toEqual(UNAVAILABLE);

    const single = rules({ hostIds: [1], blackouts });
    expect(slotTimes(computeSlots(single, day, day, [], LONG_AGO))).not.toContain('10:00 +02:00');
    expect(computeSlots(single, day, day, [], LONG_AGO)).toHaveLength(13);
    // Busy, as if booked: 409 slot_unavailable, not 422 (the type's hours still offer the time).
    expect(checkSlot(single, ten, [], LONG_AGO)).toEqual(UNAVAILABLE);
    // A member blackout says nothing about a type without hosts.
    expect(checkSlot(rules({ blackouts }), ten, [], LONG_AGO)).toEqual({ ok: true, hostId: null });
  });

  it('removes the candidates of a site or type blackout (hostId null), with or without hosts', () => {
    const blackouts = [{ start: at('12:00'), end: local('2026-06-16T12:00'), hostId: null }];
    for (const hostIds of [[], [1, 2]]) {
      const r = rules({ hostIds, blackouts });
      expect(computeSlots(r, day, '2026-06-16', [], LONG_AGO)).toHaveLength(6 + 10);
      expect(checkSlot(r, at('12:00'), [], LONG_AGO)).toEqual(NOT_OFFERED);
      expect(checkSlot(r, local('2026-06-16T11:30'), [], LONG_AGO)).toEqual(NOT_OFFERED);
      expect(checkSlot(r, local('2026-06-16T12:00'), [], LONG_AGO)).toMatchObject({ ok: true });
    }
  });

  it('blocks on a partial overlap with the core, and only the core (not buffers) counts', () => {
    const r = rules({
      bufferBefore: 30,
      bufferAfter: 30,
      blackouts: [{ start: at('10:25'), end: at('10:35'), hostId: null }],
    });
    const times = slotTimes(computeSlots(r, day, day, [], LONG_AGO));
    expect(times).toContain('09:30 +02:00');
    expect(times).not.toContain('10:00 +02:00');
    expect(times).not.toContain('10:30 +02:00');
    expect(times).toContain('11:00 +02:00');
  });

  it('does not block a core it only touches end-to-start', () => {
    const r = rules({ hostIds: [1], blackouts: [{ start: at('10:30'), end: at('11:00'), hostId: 1 }] });
    expect(checkSlot(r, at('10:00'), [], LONG_AGO)).toEqual({ ok: true, hostId: 1 });
    expect(checkSlot(r, at('10:30'), [], LONG_AGO)).toEqual(UNAVAILABLE);
    expect(checkSlot(r, at('11:00'), [], LONG_AGO)).toEqual({ ok: true, hostId: 1 });
  });
});

describe('blackouts at the edges', () => {
  const at = (time: string) => local(`2026-06-15T${time}`);
  const day = '2026-06-15';

  it('ignores empty or inverted blackouts', () => {
    const r = rules({
      blackouts: [
        { start: at('10:00'), end: at('10:00'), hostId: null },
        { start: at('12:00'), end: at('11:00'), hostId: null },
      ],
    });
    expect(computeSlots(r, day, day, [], LONG_AGO)).toHaveLength(16);
  });
});

describe('a host in another zone on spring-forward days', () => {
  const everyDay = (windows: { start: string; end: string }[]) =>
    Object.fromEntries(EVERY_DAY.map((d) => [d, windows]));

  it("spring forward of the type's zone: a Berlin host's 07:30–09:00 is 01:30 EST to 04:00 EDT", () => {
    const r = rules({
      timezone: NEW_YORK,
      availability: { sunday: [{ start: '00:00', end: '12:00' }] },
      hostIds: [1],
      hostSchedules: { 1: { timezone: BERLIN, availability: everyDay([{ start: '07:30', end: '09:00' }]) } },
    });
    expect(slotTimes(computeSlots(r, '2026-03-08', '2026-03-08', [], LONG_AGO), NEW_YORK)).toEqual([
      '01:30 -05:00',
      '03:00 -04:00',
      '03:30 -04:00',
    ]);
  });

  it("spring forward of the host's zone: its 00:00–02:00 and 03:00–05:00 join into one stretch", () => {
    const r = rules({
      timezone: NEW_YORK,
      duration: 60,
      increment: 60,
      availability: { saturday: [{ start: '18:00', end: '24:00' }] },
      hostIds: [1],
      hostSchedules: {
        1: {
          timezone: BERLIN,
          availability: {
            sunday: [
              { start: '00:00', end: '02:00' },
              { start: '03:00', end: '05:00' },
            ],
          },
        },
      },
    });
    expect(slotTimes(computeSlots(r, '2026-03-28', '2026-03-28', [], LONG_AGO), NEW_YORK)).toEqual([
      '19:00 -04:00',
      '20:00 -04:00',
      '21:00 -04:00',
      '22:00 -04:00',
    ]);
  });
});

describe('a host in another zone on fall-back days', () => {
  const everyDay = (windows: { start: string; end: string }[]) =>
    Object.fromEntries(EVERY_DAY.map((d) => [d, windows]));

  it("fall back of the type's zone: a Berlin host's 06:00–08:00 offers both passes of 01:00 New York", () => {
    const r = rules({
      timezone: NEW_YORK,
      availability: { sunday: [{ start: '00:00', end: '04:00' }] },
      hostIds: [1],
      hostSchedules: { 1: { timezone: BERLIN, availability: everyDay([{ start: '06:00', end: '08:00' }]) } },
    });
    const slots = computeSlots(r, '2026-11-01', '2026-11-01', [], LONG_AGO);
    expect(slotTimes(slots, NEW_YORK)).toEqual([
      '01:00 -04:00',
      '01:30 -04:00',
      '01:00 -05:00',
      '01:30 -05:00',
    ]);
    expect(checkSlot(r, Date.parse('2026-11-01T06:00:00Z'), [], LONG_AGO)).toEqual({ ok: true, hostId: 1 });
    expect(checkSlot(r, Date.parse('2026-11-01T07:00:00Z'), [], LONG_AGO)).toEqual(NOT_OFFERED);
  });

  it("fall back of the host's zone: its 02:00–03:00 lasts two real hours", () => {
    const r = rules({
      timezone: NEW_YORK,
      duration: 60,
      increment: 60,
      availability: { saturday: [{ start: '18:00', end: '24:00' }] },
      hostIds: [1],
      hostSchedules: {
        1: { timezone: BERLIN, availability: { sunday: [{ start: '02:00', end: '03:00' }] } },
      },
    });
    expect(slotTimes(computeSlots(r, '2026-10-24', '2026-10-24', [], LONG_AGO), NEW_YORK)).toEqual([
      '20:00 -04:00',
      '21:00 -04:00',
    ]);
  });
});

describe('scheduleConflict', () => {
  const at = (time: string) => local(`2026-06-15T${time}`);
  const booked = (from: string, to: string, hostIds: number[] = []) => ({
    start: at(from),
    end: at(to),
    hostIds,
  });
  const r = rules({
    hostIds: [1, 2],
    hostSchedules: { 1: { timezone: BERLIN, availability: { monday: [{ start: '12:00', end: '17:00' }] } } },
    blackouts: [
      { start: at('15:00'), end: at('16:00'), hostId: null },
      { start: at('13:00'), end: at('14:00'), hostId: 2 },
    ],
  });

  it('finds nothing wrong with an appointment that fits, even off the grid', () => {
    expect(scheduleConflict(r, booked('12:10', '12:55', [1, 2]))).toBeNull();
    expect(scheduleConflict(r, booked('09:00', '10:00'))).toBeNull();
    expect(scheduleConflict(r, booked('14:00', '15:00', [1, 2]))).toBeNull();
  });

  it('names the first rule broken: type hours, type blackout, host hours, host blackout', () => {
    expect(scheduleConflict(r, booked('16:30', '17:30', [1]))).toBe('outside_type_hours');
    expect(scheduleConflict(r, booked('08:30', '09:30'))).toBe('outside_type_hours');
    expect(scheduleConflict(r, booked('15:30', '16:30', [1]))).toBe('blackout');
    expect(scheduleConflict(r, booked('11:30', '12:30', [2, 1]))).toBe('outside_host_hours');
    expect(scheduleConflict(r, booked('13:30', '14:30', [1, 2]))).toBe('host_blackout');
    expect(scheduleConflict(r, booked('13:30', '14:30', [1]))).toBeNull();
  });

  it('applies the type overrides and reads windows as one stretch across midnight', () => {
    const closed = { ...r, dateOverrides: { '2026-06-15': [] } };
    expect(scheduleConflict(closed, booked('09:00', '10:00'))).toBe('outside_type_hours');
    const nights = rules({ availability: { monday: [{ start: '20:00', end: '24:00' }], tuesday: ALL_DAY } });
    expect(
      scheduleConflict(nights, { start: at('23:00'), end: local('2026-06-16T01:00'), hostIds: [] }),
    ).toBeNull();
  });

  it('checks member blackouts for any assigned host, with or without its own hours', () => {
    const plain = rules({ blackouts: [{ start: at('10:00'), end: at('10:01'), hostId: 7 }] });
    expect(scheduleConflict(plain, booked('09:00', '10:00', [7]))).toBeNull();
    expect(scheduleConflict(plain, booked('09:00', '10:30', [7]))).toBe('host_blackout');
    expect(scheduleConflict(plain, booked('09:00', '10:30', [8]))).toBeNull();
  });
});

describe('IntervalSet', () => {
  it('merges touching intervals and answers cover and overlap with half-open ends', () => {
    const set = IntervalSet.of([
      { start: 30, end: 40 },
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 5, end: 5 },
    ]);
    expect(set.covers(0, 20)).toBe(true);
    expect(set.covers(15, 31)).toBe(false);
    expect(set.covers(30, 40)).toBe(true);
    expect(set.overlaps(20, 30)).toBe(false);
    expect(set.overlaps(19, 30)).toBe(true);
    expect(set.overlaps(39, 50)).toBe(true);
    expect(set.overlaps(40, 50)).toBe(false);
    expect(IntervalSet.of([]).isEmpty).toBe(true);
  });
});
