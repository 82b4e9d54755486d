import moment from 'moment-timezone';
import {
  AvailabilityWindow,
  Blackout,
  BusyAppointment,
  DateOverrides,
  HostSchedule,
  Slot,
  SlotCheck,
  SlotRules,
  WeeklyAvailability,
  candidateStarts,
  checkSlot,
  computeSlots,
  exceedsCandidates,
  loadMarginMs,
  localDayBounds,
  MAX_CANDIDATE_STARTS,
  scheduleConflict,
  slotBatches,
} from './slot-engine';
import { tzZone } from '../../common/time/tz';
import { BERLIN, LONG_AGO, local, MINUTE, NEW_YORK, rules, wallClock, WORKDAY } from './slot-engine.fixture';

function appointment(
  id: number,
  start: number,
  minutes: number,
  overrides: Partial<BusyAppointment> = {},
): BusyAppointment {
  return {
    id,
    typeId: 1,
    start,
    end: start + minutes * MINUTE,
    bufferBefore: 0,
    bufferAfter: 0,
    hostIds: [],
    ...overrides,
  };
}

function starts(slots: Slot[]): number[] {
  return slots.map((slot) => slot.start);
}

function offeredAt(slots: Slot[], start: number): Slot | undefined {
  return slots.find((slot) => slot.start === start);
}

describe('candidate starts', () => {
  it('offers 16 half-hour slots on a 09:00–17:00 Berlin weekday at the right UTC instants', () => {
    const summer = computeSlots(rules(), '2026-06-15', '2026-06-15', [], LONG_AGO);
    expect(summer).toHaveLength(16);
    expect(summer[0]).toEqual({
      start: Date.parse('2026-06-15T07:00:00Z'),
      end: Date.parse('2026-06-15T07:30:00Z'),
      seatsRemaining: 1,
      freeHostIds: [],
    });
    expect(summer[15].start).toBe(Date.parse('2026-06-15T14:30:00Z'));
    expect(summer[15].end).toBe(Date.parse('2026-06-15T15:00:00Z'));
    summer.slice(1).forEach((slot, i) => expect(slot.start - summer[i].start).toBe(30 * MINUTE));

    const winter = computeSlots(rules(), '2026-01-12', '2026-01-12', [], LONG_AGO);
    expect(winter).toHaveLength(16);
    expect(winter[0].start).toBe(Date.parse('2026-01-12T08:00:00Z'));
  });

  it('offers nothing on a weekday without windows and covers every date of the range', () => {
    expect(candidateStarts(rules(), '2026-06-13', '2026-06-14')).toEqual([]);
    expect(candidateStarts(rules(), '2026-06-13', '2026-06-16')).toHaveLength(32);
    expect(candidateStarts(rules(), '2026-06-16', '2026-06-15')).toEqual([]);
  });

  it('starts an off-grid window at the first wall-clock multiple of the increment (09:10 → 09:15)', () => {
    const r = rules({ increment: 15, availability: { monday: [{ start: '09:10', end: '10:00' }] } });
    expect(candidateStarts(r, '2026-06-15', '2026-06-15')).toEqual([
      local('2026-06-15T09:15'),
      local('2026-06-15T09:30'),
    ]);
  });

  it('deduplicates starts of overlapping windows and keeps them sorted', () => {
    const r = rules({
      availability: {
        monday: [
          { start: '10:00', end: '11:00' },
          { start: '09:00', end: '10:30' },
        ],
      },
    });
    expect(wallClock(candidateStarts(r, '2026-06-15', '2026-06-15'), BERLIN)).toEqual([
      '09:00 +02:00',
      '09:30 +02:00',
      '10:00 +02:00',
      '10:30 +02:00',
    ]);
  });

  it('lets a window end at "24:00", the end of the local day', () => {
    const r = rules({ availability: { monday: [{ start: '23:00', end: '24:00' }] } });
    expect(wallClock(candidateStarts(r, '2026-06-15', '2026-06-15'), BERLIN)).toEqual([
      '23:00 +02:00',
      '23:30 +02:00',
    ]);
  });

  it('skips the spring-forward hour on 2026-03-08 in New York: 01:00–04:00 gives 4 slots', () => {
    const r = rules({ timezone: NEW_YORK, availability: { sunday: [{ start: '01:00', end: '04:00' }] } });
    const slots = computeSlots(r, '2026-03-08', '2026-03-08', [], LONG_AGO);
    expect(starts(slots)).toEqual(
      ['06:00', '06:30', '07:00', '07:30'].map((time) => Date.parse(`2026-03-08T${time}:00Z`)),
    );
    expect(wallClock(starts(slots), NEW_YORK)).toEqual([
      '01:00 -05:00',
      '01:30 -05:00',
      '03:00 -04:00',
      '03:30 -04:00',
    ]);
    slots.forEach((slot) => expect(slot.end - slot.start).toBe(30 * MINUTE));
  });

  it('repeats 01:00 and 01:30 on 2026-11-01 in New York: 01:00–04:00 gives 8 slots, EDT first', () => {
    const r = rules({ timezone: NEW_YORK, availability: { sunday: [{ start: '01:00', end: '04:00' }] } });
    const slots = computeSlots(r, '2026-11-01', '2026-11-01', [], LONG_AGO);
    expect(slots).toHaveLength(8);
    expect(slots[0].start).toBe(Date.parse('2026-11-01T05:00:00Z'));
    expect(wallClock(starts(slots), NEW_YORK)).toEqual([
      '01:00 -04:00',
      '01:30 -04:00',
      '01:00 -05:00',
      '01:30 -05:00',
      '02:00 -05:00',
      '02:30 -05:00',
      '03:00 -05:00',
      '03:30 -05:00',
    ]);
  });

  it('moves a window edge that falls in the spring-forward gap to the first existing time', () => {
    const startsInGap = rules({
      timezone: NEW_YORK,
      availability: { sunday: [{ start: '02:30', end: '04:00' }] },
    });
    expect(wallClock(candidateStarts(startsInGap, '2026-03-08', '2026-03-08'), NEW_YORK)).toEqual([
      '03:00 -04:00',
      '03:30 -04:00',
    ]);
    const endsInGap = rules({
      timezone: NEW_YORK,
      availability: { sunday: [{ start: '00:00', end: '02:30' }] },
    });
    expect(wallClock(candidateStarts(endsInGap, '2026-03-08', '2026-03-08'), NEW_YORK)).toEqual([
      '00:00 -05:00',
      '00:30 -05:00',
      '01:00 -05:00',
      '01:30 -05:00',
    ]);
  });

  it('rejects malformed windows, dates, zones and durations', () => {
    expect(() => candidateStarts(rules(), '2026-02-30', '2026-03-01')).toThrow(RangeError);
    expect(() =>
      candidateStarts(
        rules({ availability: { monday: [{ start: '9:00', end: '17:00' }] } }),
        '2026-06-15',
        '2026-06-15',
      ),
    ).toThrow(RangeError);
    expect(() => candidateStarts(rules({ timezone: 'Mars/Olympus' }), '2026-06-15', '2026-06-15')).toThrow(
      RangeError,
    );
    expect(() => candidateStarts(rules({ increment: 0 }), '2026-06-15', '2026-06-15')).toThrow(RangeError);
  });
});

describe('conflicts', () => {
  const day = '2026-06-15';

  it('does not treat an appointment ending exactly at a start (or starting at an end) as a conflict', () => {
    const busy = [appointment(1, local('2026-06-15T10:00'), 30)];
    const slots = computeSlots(rules(), day, day, busy, LONG_AGO);
    expect(offeredAt(slots, local('2026-06-15T09:30'))).toBeDefined();
    expect(offeredAt(slots, local('2026-06-15T10:00'))).toBeUndefined();
    expect(offeredAt(slots, local('2026-06-15T10:30'))).toBeDefined();
  });

  it("blocks on both sides through the candidate's buffers", () => {
    const r = rules({ bufferBefore: 15, bufferAfter: 15 });
    const slots = computeSlots(r, day, day, [appointment(1, local('2026-06-15T12:00'), 30)], LONG_AGO);
    expect(offeredAt(slots, local('2026-06-15T11:00'))).toBeDefined();
    expect(offeredAt(slots, local('2026-06-15T11:30'))).toBeUndefined();
    expect(offeredAt(slots, local('2026-06-15T12:00'))).toBeUndefined();
    expect(offeredAt(slots, local('2026-06-15T12:30'))).toBeUndefined();
    expect(offeredAt(slots, local('2026-06-15T13:00'))).toBeDefined();
  });

  it("blocks on both sides through the busy appointment's own buffers, while buffers may overlap buffers", () => {
    const r = rules({ hostIds: [1], bufferBefore: 10, bufferAfter: 10 });
    const otherType = appointment(1, local('2026-06-15T12:00'), 30, {
      typeId: 2,
      hostIds: [1],
      bufferBefore: 30,
      bufferAfter: 30,
    });
    const slots = computeSlots(r, day, day, [otherType], LONG_AGO);
    // 11:00–11:30 + 10 min after touches the other buffer (11:30–12:00) only: buffer on buffer.
    expect(offeredAt(slots, local('2026-06-15T11:00'))).toBeDefined();
    expect(offeredAt(slots, local('2026-06-15T11:30'))).toBeUndefined();
    expect(offeredAt(slots, local('2026-06-15T12:30'))).toBeUndefined();
    expect(offeredAt(slots, local('2026-06-15T13:00'))).toBeDefined();
  });

  it('lets buffers reach outside the window, and appointments outside the window block through them', () => {
    const r = rules({
      bufferBefore: 30,
      bufferAfter: 30,
      availability: { monday: [{ start: '09:00', end: '12:00' }] },
    });
    const free = computeSlots(r, day, day, [], LONG_AGO);
    expect(wallClock(starts(free), BERLIN)[0]).toBe('09:00 +02:00');
    expect(wallClock(starts(free), BERLIN).at(-1)).toBe('11:30 +02:00');

    const outside = [
      appointment(1, local('2026-06-15T08:00'), 45),
      appointment(2, local('2026-06-15T12:15'), 30),
    ];
    const blocked = computeSlots(r, day, day, outside, LONG_AGO);
    expect(offeredAt(blocked, local('2026-06-15T09:00'))).toBeUndefined();
    expect(offeredAt(blocked, local('2026-06-15T09:30'))).toBeDefined();
    expect(offeredAt(blocked, local('2026-06-15T11:00'))).toBeDefined();
    expect(offeredAt(blocked, local('2026-06-15T11:30'))).toBeUndefined();
  });

  it('ignores appointments on resources the type does not use', () => {
    const hostless = rules();
    const busy = [
      appointment(1, local('2026-06-15T10:00'), 30, { typeId: 2 }),
      appointment(2, local('2026-06-15T10:00'), 30, { typeId: 3, hostIds: [7] }),
    ];
    expect(
      offeredAt(computeSlots(hostless, day, day, busy, LONG_AGO), local('2026-06-15T10:00')),
    ).toBeDefined();
  });

  it('lets an appointment of a type without hosts take the type even when it also names a host', () => {
    const busy = [appointment(1, local('2026-06-15T10:00'), 30, { hostIds: [7] })];
    expect(
      offeredAt(computeSlots(rules(), day, day, busy, LONG_AGO), local('2026-06-15T10:00')),
    ).toBeUndefined();
    expect(checkSlot(rules(), local('2026-06-15T10:00'), busy, LONG_AGO)).toEqual({
      ok: false,
      reason: 'slot_unavailable',
    });
  });
});

describe('capacity', () => {
  const day = '2026-06-15';
  const r = rules({
    capacity: 3,
    duration: 60,
    availability: { monday: [{ start: '09:00', end: '12:00' }] },
  });
  const ten = local('2026-06-15T10:00');

  it('shares one start between up to 3 bookings of the type while blocking its overlapping neighbours', () => {
    const seatsAtTen = (busy: BusyAppointment[]) => offeredAt(computeSlots(r, day, day, busy, LONG_AGO), ten);
    expect(seatsAtTen([])?.seatsRemaining).toBe(3);
    expect(seatsAtTen([appointment(1, ten, 60)])?.seatsRemaining).toBe(2);
    expect(seatsAtTen([appointment(1, ten, 60), appointment(2, ten, 60)])?.seatsRemaining).toBe(1);
    const full = [appointment(1, ten, 60), appointment(2, ten, 60), appointment(3, ten, 60)];
    expect(seatsAtTen(full)).toBeUndefined();
    expect(checkSlot(r, ten, full, LONG_AGO)).toEqual({ ok: false, reason: 'slot_unavailable' });

    const slots = computeSlots(r, day, day, [appointment(1, ten, 60)], LONG_AGO);
    expect(wallClock(starts(slots), BERLIN)).toEqual(['09:00 +02:00', '10:00 +02:00', '11:00 +02:00']);
    expect(slots.map((slot) => slot.seatsRemaining)).toEqual([3, 2, 3]);
  });

  it('lets an overlapping appointment of another type block a shared start outright', () => {
    const hosted = { ...r, hostIds: [1] };
    const busy = [
      appointment(1, ten, 60, { hostIds: [1] }),
      appointment(2, ten, 30, { typeId: 2, hostIds: [1] }),
    ];
    expect(offeredAt(computeSlots(hosted, day, day, busy, LONG_AGO), ten)).toBeUndefined();
    expect(offeredAt(computeSlots(hosted, day, day, busy.slice(0, 1), LONG_AGO), ten)?.seatsRemaining).toBe(
      2,
    );
  });

  it('adds up the seats of every free host', () => {
    const hosted = { ...r, hostIds: [1, 2] };
    const slot = offeredAt(
      computeSlots(hosted, day, day, [appointment(1, ten, 60, { hostIds: [2] })], LONG_AGO),
      ten,
    );
    expect(slot).toMatchObject({ seatsRemaining: 5, freeHostIds: [1, 2] });
  });
});

describe('notice and horizon', () => {
  const day = '2026-06-15';
  const ten = local('2026-06-15T10:00');
  const noon = local('2026-06-15T12:00');

  it('offers a start exactly at the minimum notice but not one minute inside it', () => {
    const r = rules({ minNotice: 60 });
    expect(starts(computeSlots(r, day, day, [], ten - 60 * MINUTE))[0]).toBe(ten);
    expect(starts(computeSlots(r, day, day, [], ten - 59 * MINUTE))[0]).toBe(ten + 30 * MINUTE);
    expect(checkSlot(r, ten, [], ten - 60 * MINUTE)).toEqual({ ok: true, hostId: null });
    expect(checkSlot(r, ten, [], ten - 59 * MINUTE)).toEqual({ ok: false, reason: 'slot_not_offered' });
  });

  it('offers a start exactly at the horizon but not one minute beyond it', () => {
    const r = rules({ maxNotice: 180 });
    expect(starts(computeSlots(r, day, day, [], noon - 180 * MINUTE)).at(-1)).toBe(noon);
    expect(starts(computeSlots(r, day, day, [], noon - 181 * MINUTE)).at(-1)).toBe(noon - 30 * MINUTE);
    expect(checkSlot(r, noon, [], noon - 180 * MINUTE)).toEqual({ ok: true, hostId: null });
    expect(checkSlot(r, noon, [], noon - 181 * MINUTE)).toEqual({ ok: false, reason: 'slot_not_offered' });
  });

  it('has no horizon when max notice is null, and never offers the past', () => {
    expect(computeSlots(rules(), day, day, [], LONG_AGO)).toHaveLength(16);
    expect(starts(computeSlots(rules(), day, day, [], ten + 1))[0]).toBe(ten + 30 * MINUTE);
  });
});

describe('daily cap', () => {
  const evenings = [{ start: '20:00', end: '24:00' }];
  const r = rules({
    timezone: NEW_YORK,
    maxEventCount: 2,
    availability: { sunday: evenings, monday: evenings, tuesday: evenings },
  });

  it('counts late-evening bookings on their local date even when it is already the next day in UTC', () => {
    // Monday 2026-06-15 22:00 and 23:30 EDT are Tuesday in UTC; Sunday 22:00 EDT is Monday in UTC.
    const mondayLate = [
      appointment(1, local('2026-06-15T22:00', NEW_YORK), 30),
      appointment(2, local('2026-06-15T23:30', NEW_YORK), 30),
    ];
    const sundayLate = appointment(3, local('2026-06-14T22:00', NEW_YORK), 30);
    expect(new Date(mondayLate[0].start).toISOString().slice(0, 10)).toBe('2026-06-16');
    expect(new Date(sundayLate.start).toISOString().slice(0, 10)).toBe('2026-06-15');

    const slots = computeSlots(r, '2026-06-14', '2026-06-16', [...mondayLate, sundayLate], LONG_AGO);
    const byDate = (date: string) =>
      slots.filter((slot) => moment.tz(slot.start, NEW_YORK).format('YYYY-MM-DD') === date);
    expect(byDate('2026-06-14')).toHaveLength(7);
    expect(byDate('2026-06-15')).toHaveLength(0);
    expect(byDate('2026-06-16')).toHaveLength(8);
    expect(checkSlot(r, local('2026-06-15T20:00', NEW_YORK), [...mondayLate, sundayLate], LONG_AGO)).toEqual({
      ok: false,
      reason: 'slot_unavailable',
    });
  });

  it('caps seats remaining by what the daily cap still allows', () => {
    const group = { ...r, capacity: 3 };
    const slots = computeSlots(group, '2026-06-15', '2026-06-15', [], LONG_AGO);
    expect(new Set(slots.map((slot) => slot.seatsRemaining))).toEqual(new Set([2]));
    const oneBooked = [appointment(1, local('2026-06-15T20:00', NEW_YORK), 30)];
    const after = computeSlots(group, '2026-06-15', '2026-06-15', oneBooked, LONG_AGO);
    expect(after[0]).toMatchObject({ start: local('2026-06-15T20:00', NEW_YORK), seatsRemaining: 1 });
    expect(new Set(after.map((slot) => slot.seatsRemaining))).toEqual(new Set([1]));
  });

  it('counts only appointments of the type itself', () => {
    const otherType = ['20:00', '21:00', '22:00'].map((time, i) =>
      appointment(i + 1, local(`2026-06-15T${time}`, NEW_YORK), 30, { typeId: 2 }),
    );
    expect(computeSlots(r, '2026-06-15', '2026-06-15', otherType, LONG_AGO)).toHaveLength(8);
  });
});

describe('hosts', () => {
  const day = '2026-06-15';
  const r = rules({ hostIds: [1, 2] });
  const ten = local('2026-06-15T10:00');

  it('chooses host 2 when host 1 is busy on another type, and is unavailable when both are', () => {
    const hostOneBusy = [appointment(1, ten, 30, { typeId: 2, hostIds: [1] })];
    expect(offeredAt(computeSlots(r, day, day, hostOneBusy, LONG_AGO), ten)).toMatchObject({
      seatsRemaining: 1,
      freeHostIds: [2],
    });
    expect(checkSlot(r, ten, hostOneBusy, LONG_AGO)).toEqual({ ok: true, hostId: 2 });

    const bothBusy = [...hostOneBusy, appointment(2, ten - 15 * MINUTE, 30, { typeId: 3, hostIds: [2] })];
    expect(offeredAt(computeSlots(r, day, day, bothBusy, LONG_AGO), ten)).toBeUndefined();
    expect(checkSlot(r, ten, bothBusy, LONG_AGO)).toEqual({ ok: false, reason: 'slot_unavailable' });
  });

  it('blocks every host of a multi-host appointment', () => {
    const shared = [appointment(1, ten, 30, { typeId: 2, hostIds: [1, 2] })];
    expect(checkSlot(r, ten, shared, LONG_AGO)).toEqual({ ok: false, reason: 'slot_unavailable' });
  });

  it('prefers the free host with the fewest appointments that local day, breaking ties by lowest id', () => {
    const three = rules({ hostIds: [3, 1, 2] });
    expect(checkSlot(three, ten, [], LONG_AGO)).toEqual({ ok: true, hostId: 1 });
    expect(offeredAt(computeSlots(three, day, day, [], LONG_AGO), ten)?.freeHostIds).toEqual([1, 2, 3]);

    const busy = [
      appointment(1, local('2026-06-15T13:00'), 30, { typeId: 2, hostIds: [1] }),
      appointment(2, local('2026-06-15T14:00'), 30, { typeId: 1, hostIds: [1] }),
      appointment(3, local('2026-06-15T15:00'), 30, { typeId: 5, hostIds: [2] }),
      appointment(4, local('2026-06-15T16:00'), 30, { typeId: 2, hostIds: [3] }),
      // Other local days do not count, even when they share the UTC date.
      appointment(5, local('2026-06-16T00:30'), 30, { typeId: 2, hostIds: [2] }),
      appointment(6, local('2026-06-14T09:00'), 30, { typeId: 2, hostIds: [3] }),
    ];
    expect(offeredAt(computeSlots(three, day, day, busy, LONG_AGO), ten)?.freeHostIds).toEqual([2, 3, 1]);
    expect(checkSlot(three, ten, busy, LONG_AGO)).toEqual({ ok: true, hostId: 2 });
  });
});

describe('cancel and reschedule', () => {
  const day = '2026-06-15';
  const ten = local('2026-06-15T10:00');
  const booked = appointment(7, ten, 30);

  it('offers a slot again once its appointment is canceled (no longer in the busy list)', () => {
    expect(offeredAt(computeSlots(rules(), day, day, [booked], LONG_AGO), ten)).toBeUndefined();
    expect(checkSlot(rules(), ten, [booked], LONG_AGO)).toEqual({ ok: false, reason: 'slot_unavailable' });
    expect(offeredAt(computeSlots(rules(), day, day, [], LONG_AGO), ten)).toBeDefined();
    expect(checkSlot(rules(), ten, [], LONG_AGO)).toEqual({ ok: true, hostId: null });
  });

  it('ignores the appointment being rescheduled, for conflicts and for the daily cap', () => {
    const r = rules({ maxEventCount: 1 });
    const others = [appointment(8, local('2026-06-16T10:00'), 30)];
    expect(computeSlots(r, day, day, [booked, ...others], LONG_AGO)).toEqual([]);
    const moving = computeSlots(r, day, day, [booked, ...others], LONG_AGO, { ignoreAppointmentId: 7 });
    expect(moving).toHaveLength(16);
    expect(checkSlot(r, ten + 30 * MINUTE, [booked], LONG_AGO, { ignoreAppointmentId: 7 })).toEqual({
      ok: true,
      hostId: null,
    });
    expect(checkSlot(r, local('2026-06-16T11:00'), others, LONG_AGO, { ignoreAppointmentId: 7 })).toEqual({
      ok: false,
      reason: 'slot_unavailable',
    });
  });
});

describe('checkSlot', () => {
  const r = rules();

  it('reports an off-grid start as not offered', () => {
    expect(checkSlot(r, local('2026-06-15T10:10'), [], LONG_AGO)).toEqual({
      ok: false,
      reason: 'slot_not_offered',
    });
  });

  it('reports a start outside the windows as not offered', () => {
    expect(checkSlot(r, local('2026-06-15T17:00'), [], LONG_AGO)).toEqual({
      ok: false,
      reason: 'slot_not_offered',
    });
    expect(checkSlot(r, local('2026-06-14T10:00'), [], LONG_AGO)).toEqual({
      ok: false,
      reason: 'slot_not_offered',
    });
  });

  it('reports a taken start as unavailable', () => {
    const ten = local('2026-06-15T10:00');
    expect(checkSlot(r, ten, [appointment(1, ten - 15 * MINUTE, 30)], LONG_AGO)).toEqual({
      ok: false,
      reason: 'slot_unavailable',
    });
  });

  it('accepts the repeated fall-back hour by its exact instant', () => {
    const ny = rules({ timezone: NEW_YORK, availability: { sunday: [{ start: '01:00', end: '04:00' }] } });
    const firstOneAm = Date.parse('2026-11-01T05:00:00Z');
    const secondOneAm = Date.parse('2026-11-01T06:00:00Z');
    expect(checkSlot(ny, secondOneAm, [appointment(1, firstOneAm, 30)], LONG_AGO)).toEqual({
      ok: true,
      hostId: null,
    });
    expect(checkSlot(ny, Date.parse('2026-03-08T06:45:00Z'), [], LONG_AGO)).toEqual({
      ok: false,
      reason: 'slot_not_offered',
    });
  });
});

describe('types that offer nothing', () => {
  const day = '2026-06-15';
  const ten = local('2026-06-15T10:00');

  it('offers nothing for a draft type and reports its starts as not published', () => {
    const draft = rules({ draft: true });
    expect(computeSlots(draft, day, day, [], LONG_AGO)).toEqual([]);
    expect(checkSlot(draft, ten, [], LONG_AGO)).toEqual({
      ok: false,
      reason: 'appointment_type_not_published',
    });
    expect(computeSlots(rules({ draft: false }), day, day, [], LONG_AGO)).toHaveLength(16);
  });

  it('offers nothing for a type whose hosts are all inactive, rather than acting host-less', () => {
    const inactive = rules({ hostIds: [], hostsInactive: true });
    expect(computeSlots(inactive, day, day, [], LONG_AGO)).toEqual([]);
    expect(checkSlot(inactive, ten, [], LONG_AGO)).toEqual({ ok: false, reason: 'slot_not_offered' });
    // The same type with no team at all is its own calendar.
    expect(checkSlot(rules({ hostIds: [] }), ten, [], LONG_AGO)).toEqual({ ok: true, hostId: null });
  });
});

describe('bounded work', () => {
  const everyMinute = rules({
    increment: 1,
    duration: 1,
    availability: Object.fromEntries(
      ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [
        d,
        [{ start: '00:00', end: '24:00' }],
      ]),
    ),
    timezone: 'UTC',
  });

  it('counts candidate starts against the cap, stopping at the first day beyond it', () => {
    const days = Math.floor(MAX_CANDIDATE_STARTS / 1440);
    const last = new Date(Date.UTC(2026, 5, 1 + days - 1)).toISOString().slice(0, 10);
    const oneMore = new Date(Date.UTC(2026, 5, 1 + days)).toISOString().slice(0, 10);
    expect(exceedsCandidates(everyMinute, '2026-06-01', last, MAX_CANDIDATE_STARTS)).toBe(false);
    expect(exceedsCandidates(everyMinute, '2026-06-01', oneMore, MAX_CANDIDATE_STARTS)).toBe(true);
    expect(exceedsCandidates(everyMinute, '2026-06-01', '2026-08-01', MAX_CANDIDATE_STARTS)).toBe(true);
    expect(exceedsCandidates(rules(), '2026-06-01', '2026-08-01', MAX_CANDIDATE_STARTS)).toBe(false);
  });

  it('yields the same slots in batches of at most the batch size, within a local date', () => {
    const busy = [appointment(1, local('2026-06-16T10:00'), 60)];
    const batches = [...slotBatches(rules(), '2026-06-15', '2026-06-21', busy, LONG_AGO, 10)];
    // 16 candidates a weekday in batches of 10 and 6; the appointment takes 2 of Tuesday's first 10.
    expect(batches.map((slots) => slots.length)).toEqual([10, 6, 8, 6, 10, 6, 10, 6, 10, 6]);
    expect(batches.flat()).toEqual(computeSlots(rules(), '2026-06-15', '2026-06-21', busy, LONG_AGO));
  });
});

describe('load margin', () => {
  it('covers every appointment that can block a slot of the range', () => {
    const r = rules({ duration: 60, bufferBefore: 10, bufferAfter: 20, availability: { monday: WORKDAY } });
    const bounds = localDayBounds(BERLIN, '2026-06-15', '2026-06-15');
    expect(bounds).toEqual({
      start: Date.parse('2026-06-14T22:00:00Z'),
      end: Date.parse('2026-06-15T22:00:00Z'),
    });
    expect(loadMarginMs(r, 45)).toBe((60 + 20 + 45) * MINUTE);
    expect(loadMarginMs(r, 5)).toBe((60 + 20 + 20) * MINUTE);
  });
});

/**
 * A direct, slow transcription of the contract, to check the indexed engine against on random data:
 * every candidate against every appointment and every blackout, local dates via moment-timezone,
 * window edges found by walking the clock minute by minute, and hours checked minute by minute.
 */
function referenceSlots(
  r: SlotRules,
  from: string,
  to: string,
  all: BusyAppointment[],
  now: number,
  ignore?: number,
): Slot[] {
  const busy = all.filter((a) => a.id !== ignore);
  const model = new LiteralSchedules(r, from, to);
  const dates = new Map<number, string | null>();
  const localDate = (instant: number) => {
    if (!dates.has(instant)) dates.set(instant, moment.tz(instant, r.timezone).format('YYYY-MM-DD'));
    return dates.get(instant);
  };
  const result: Slot[] = [];
  for (const start of model.candidates) {
    if (model.refusal(start, now) !== null) continue;
    const end = start + r.duration * MINUTE;
    const date = localDate(start);
    const sameDay = busy.filter((a) => localDate(a.start) === date);
    const capLeft =
      r.maxEventCount > 0 ? r.maxEventCount - sameDay.filter((a) => a.typeId === r.typeId).length : Infinity;
    const hosts = [...r.hostIds].sort((a, b) => a - b);
    const free = hosts.filter(
      (id) => model.hostAdmits(id, start, end) && referenceSeats(r, busy, `member:${id}`, start) > 0,
    );
    const seats =
      hosts.length === 0
        ? referenceSeats(r, busy, `type:${r.typeId}`, start)
        : free.reduce((n, id) => n + referenceSeats(r, busy, `member:${id}`, start), 0);
    const dayCount = (id: number) => sameDay.filter((a) => a.hostIds.includes(id)).length;
    const seatsRemaining = Math.min(seats, capLeft);
    if (seatsRemaining > 0) {
      result.push({
        start,
        end,
        seatsRemaining,
        freeHostIds: free.sort((a, b) => dayCount(a) - dayCount(b) || a - b),
      });
    }
  }
  return result;
}

function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart < bEnd && bStart < aEnd;
}

/** Seats left on one resource at `start`, every appointment looked at. */
function referenceSeats(r: SlotRules, busy: BusyAppointment[], resource: string, start: number): number {
  // A type without hosts is taken by each of its appointments, whatever hosts they also name.
  const keys = (typeId: number, hostIds: readonly number[]) =>
    hostIds.length === 0 || (typeId === r.typeId && r.hostIds.length === 0)
      ? [`type:${typeId}`, ...hostIds.map((id) => `member:${id}`)]
      : hostIds.map((id) => `member:${id}`);
  const end = start + r.duration * MINUTE;
  let taken = 0;
  for (const a of busy.filter((b) => keys(b.typeId, b.hostIds).includes(resource))) {
    if (a.typeId === r.typeId && a.start === start) {
      taken++;
    } else if (
      overlaps(start - r.bufferBefore * MINUTE, end + r.bufferAfter * MINUTE, a.start, a.end) ||
      overlaps(start, end, a.start - a.bufferBefore * MINUTE, a.end + a.bufferAfter * MINUTE)
    ) {
      return 0;
    }
  }
  return Math.max(0, r.capacity - taken);
}

function noticeAllows(r: SlotRules, start: number, now: number): boolean {
  return start >= now + r.minNotice * MINUTE && (r.maxNotice === null || start <= now + r.maxNotice * MINUTE);
}

const SUNDAY_FIRST = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function clockMinutes(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

/** A date's windows, the rule as written: its override if the date has one, else its weekday's. */
function literalWindows(
  availability: WeeklyAvailability,
  overrides: DateOverrides | undefined,
  date: string,
): AvailabilityWindow[] {
  if (overrides && date in overrides) return overrides[date];
  return availability[SUNDAY_FIRST[new Date(`${date}T00:00:00Z`).getUTCDay()]] ?? [];
}

/** Walks the clock of `zone` minute by minute up to the first instant it reads `clock` on `date` or later. */
function firstReading(zone: string, date: string, clock: string): number {
  const key = `${zone} ${date} ${clock}`;
  let instant = firstReadings.get(key);
  if (instant === undefined) {
    instant = walkClock(zone, date, clock);
    firstReadings.set(key, instant);
  }
  return instant;
}

const firstReadings = new Map<string, number>();

function walkClock(zone: string, date: string, clock: string): number {
  const target = Date.parse(`${date}T00:00:00Z`) + clockMinutes(clock) * MINUTE;
  const tz = tzZone(zone)!;
  // Three hours before the clock could read `target` (no zone shifts by that much within a day).
  let instant = target - (tz.offset(target) + 180) * MINUTE;
  if (instant + tz.offset(instant) * MINUTE >= target) throw new Error('walk started too late');
  while (instant + tz.offset(instant) * MINUTE < target) instant += MINUTE;
  return instant;
}

/** Every window of every local date in `from`..`to` in `zone`, as [start, end) instants. */
function literalHours(
  zone: string,
  availability: WeeklyAvailability,
  overrides: DateOverrides | undefined,
  from: string,
  to: string,
): [number, number][] {
  const hours: [number, number][] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) {
    for (const window of literalWindows(availability, overrides, date)) {
      if (clockMinutes(window.end) <= clockMinutes(window.start)) continue;
      hours.push([firstReading(zone, date, window.start), firstReading(zone, date, window.end)]);
    }
  }
  return hours;
}

/** Every minute of [start, end) lies in some window (all edges fall on whole minutes). */
function literallyCovered(hours: [number, number][], start: number, end: number): boolean {
  for (let minute = start; minute < end; minute += MINUTE) {
    if (!hours.some(([from, to]) => from <= minute && minute < to)) return false;
  }
  return true;
}

type Refusal = 'not_a_candidate' | 'notice' | 'blackout' | 'no_host_schedule';

/** The schedule rules of the contract for one type over a local date range, checked the slow way. */
class LiteralSchedules {
  readonly candidates: number[];
  readonly typeHours: [number, number][];
  readonly hostHours = new Map<number, [number, number][]>();

  constructor(
    private readonly r: SlotRules,
    from: string,
    to: string,
  ) {
    const candidates: number[] = [];
    for (let date = from; date <= to; date = addDays(date, 1)) {
      // The grid is the engine's own (tested above); which windows a date has is transcribed here.
      const weekday = SUNDAY_FIRST[new Date(`${date}T00:00:00Z`).getUTCDay()];
      const windows = literalWindows(r.availability, r.dateOverrides, date);
      const plain = { ...r, dateOverrides: undefined, availability: { [weekday]: windows } };
      candidates.push(...candidateStarts(plain, date, date));
    }
    this.candidates = [...new Set(candidates)].sort((a, b) => a - b);
    const [first, last] = [addDays(from, -2), addDays(to, 2)];
    this.typeHours = literalHours(r.timezone, r.availability, r.dateOverrides, first, last);
    for (const [id, schedule] of Object.entries(r.hostSchedules ?? {})) {
      if (!schedule.availability) continue;
      const { timezone, availability, dateOverrides } = schedule;
      this.hostHours.set(Number(id), literalHours(timezone, availability, dateOverrides, first, last));
    }
  }

  blackedOut(hostId: number | null, start: number, end: number): boolean {
    return (this.r.blackouts ?? []).some(
      (b) => b.hostId === hostId && b.start < b.end && overlaps(start, end, b.start, b.end),
    );
  }

  withinHostHours(hostId: number, start: number, end: number): boolean {
    const hours = this.hostHours.get(hostId);
    return !hours || literallyCovered(hours, start, end);
  }

  hostAdmits(hostId: number, start: number, end: number): boolean {
    return this.withinHostHours(hostId, start, end) && !this.blackedOut(hostId, start, end);
  }

  /** Why `start` is not offered at all (checkSlot's slot_not_offered), or null when it is. */
  refusal(start: number, now: number): Refusal | null {
    const end = start + this.r.duration * MINUTE;
    if (!this.candidates.includes(start)) return 'not_a_candidate';
    if (!noticeAllows(this.r, start, now)) return 'notice';
    if (this.blackedOut(null, start, end)) return 'blackout';
    const hostIds = this.r.hostIds;
    if (hostIds.length > 0 && !hostIds.some((id) => this.withinHostHours(id, start, end)))
      return 'no_host_schedule';
    return null;
  }

  /** scheduleConflict, transcribed: type hours, type blackouts, each host's hours, each host's blackouts. */
  conflict(a: { start: number; end: number; hostIds: readonly number[] }): string | null {
    if (!literallyCovered(this.typeHours, a.start, a.end)) return 'outside_type_hours';
    if (this.blackedOut(null, a.start, a.end)) return 'blackout';
    if (a.hostIds.some((id) => !this.withinHostHours(id, a.start, a.end))) return 'outside_host_hours';
    if (a.hostIds.some((id) => this.blackedOut(id, a.start, a.end))) return 'host_blackout';
    return null;
  }
}

/** Deterministic so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('engine against the reference model', () => {
  const pick = <T>(next: () => number, values: readonly T[]): T => values[Math.floor(next() * values.length)];

  it('matches a direct transcription of the rules on random schedules, DST days included', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const hostIds = pick(next, [[], [1], [1, 2], [2, 3, 1]]);
      const r = rules({
        timezone: NEW_YORK,
        duration: pick(next, [15, 30, 45, 60]),
        increment: pick(next, [10, 15, 30]),
        bufferBefore: pick(next, [0, 5, 15]),
        bufferAfter: pick(next, [0, 10, 30]),
        capacity: pick(next, [1, 2, 3]),
        maxEventCount: pick(next, [0, 0, 4, 9]),
        minNotice: pick(next, [0, 120]),
        maxNotice: pick(next, [null, 3 * 24 * 60]),
        availability: {
          saturday: [{ start: '08:05', end: '12:00' }],
          sunday: [
            { start: '00:30', end: '04:00' },
            { start: '10:00', end: '14:00' },
          ],
          monday: [{ start: '21:00', end: '24:00' }],
        },
        hostIds,
      });
      const from = Date.parse('2026-10-31T04:00:00Z');
      const busy = Array.from({ length: 40 }, (_, i) => {
        const sameType = next() < 0.5;
        const start = from + Math.floor(next() * 3 * 24 * 12) * 5 * MINUTE;
        return appointment(i + 1, start, pick(next, [15, 30, 45, 60, 120]), {
          typeId: sameType ? 1 : pick(next, [2, 3]),
          bufferBefore: pick(next, [0, 10, 30]),
          bufferAfter: pick(next, [0, 5, 20]),
          hostIds: pick(next, [[], [1], [2], [3], [1, 2]]),
        });
      });
      // Pile same-type bookings onto real candidates so shared seats are exercised.
      const candidates = candidateStarts(r, '2026-10-31', '2026-11-02');
      for (let i = 0; i < 15; i++) {
        busy.push(
          appointment(100 + i, pick(next, candidates), r.duration, {
            bufferBefore: r.bufferBefore,
            bufferAfter: r.bufferAfter,
            hostIds: pick(next, [[], [1], [2], [3]]),
          }),
        );
      }
      const now = from + pick(next, [0, 20 * 60]) * MINUTE;
      const ignore = pick(next, [undefined, 3, 101]);
      const expected = referenceSlots(r, '2026-10-31', '2026-11-02', busy, now, ignore);
      expect({
        seed,
        slots: computeSlots(r, '2026-10-31', '2026-11-02', busy, now, { ignoreAppointmentId: ignore }),
      }).toEqual({
        seed,
        slots: expected,
      });
      // In small batches too: the occupancy's sweep carries on from one batch to the next.
      const batched = slotBatches(r, '2026-10-31', '2026-11-02', busy, now, 7, {
        ignoreAppointmentId: ignore,
      });
      expect({ seed, slots: [...batched].flat() }).toEqual({ seed, slots: expected });
      for (const start of candidates) {
        const check = checkSlot(r, start, busy, now, { ignoreAppointmentId: ignore });
        const slot = expected.find((s) => s.start === start);
        expect({ seed, start, check }).toEqual({
          seed,
          start,
          check: slot
            ? { ok: true, hostId: slot.freeHostIds[0] ?? null }
            : { ok: false, reason: noticeAllows(r, start, now) ? 'slot_unavailable' : 'slot_not_offered' },
        });
      }
    }
  });

  it('handles 62 days with thousands of busy appointments without scanning them per candidate', () => {
    const next = random(42);
    const r = rules({ hostIds: [1, 2, 3, 4], capacity: 2, increment: 15, maxEventCount: 40 });
    const from = local('2026-03-01T00:00');
    const busy = Array.from({ length: 5000 }, (_, i) => {
      const start = from + Math.floor(next() * 62 * 24 * 4) * 15 * MINUTE;
      return appointment(i + 1, start, pick(next, [15, 30, 60]), {
        typeId: pick(next, [1, 2, 3]),
        bufferAfter: pick(next, [0, 15]),
        hostIds: [pick(next, [1, 2, 3, 4, 5])],
      });
    });
    const started = performance.now();
    const slots = computeSlots(r, '2026-03-01', '2026-05-01', busy, LONG_AGO);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(slots.length).toBeGreaterThan(0);
  });
});

function choose<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)];
}

/** Three local dates around a DST change of the type's zone or of a host's. */
const SCENARIOS = [
  { timezone: NEW_YORK, from: '2026-10-31', to: '2026-11-02' },
  { timezone: NEW_YORK, from: '2026-03-07', to: '2026-03-09' },
  { timezone: BERLIN, from: '2026-10-24', to: '2026-10-26' },
  { timezone: BERLIN, from: '2026-03-28', to: '2026-03-30' },
  { timezone: NEW_YORK, from: '2026-03-28', to: '2026-03-30' },
  { timezone: NEW_YORK, from: '2026-10-24', to: '2026-10-26' },
] as const;

const HOST_ZONES = [NEW_YORK, BERLIN, 'Asia/Kolkata', 'America/St_Johns', 'UTC'];

const WINDOW_SETS: AvailabilityWindow[][] = [
  [],
  [{ start: '00:00', end: '24:00' }],
  [
    { start: '00:00', end: '02:30' },
    { start: '08:00', end: '12:00' },
  ],
  [{ start: '01:30', end: '03:00' }],
  [{ start: '09:00', end: '12:00' }],
  [
    { start: '06:00', end: '11:00' },
    { start: '20:00', end: '24:00' },
  ],
  [
    { start: '02:00', end: '03:00' },
    { start: '22:15', end: '24:00' },
  ],
  [
    { start: '10:00', end: '14:00' },
    { start: '13:00', end: '18:45' },
  ],
];

function randomWeek(next: () => number): WeeklyAvailability {
  return Object.fromEntries(SUNDAY_FIRST.map((day) => [day, choose(next, WINDOW_SETS)]));
}

function randomOverrides(next: () => number, from: string, to: string): DateOverrides {
  const overrides: DateOverrides = {};
  for (let date = from; date <= to; date = addDays(date, 1)) {
    if (next() < 0.3) overrides[date] = choose(next, WINDOW_SETS);
  }
  return overrides;
}

function randomHostSchedule(next: () => number, from: string, to: string): HostSchedule | undefined {
  const kind = next();
  if (kind < 0.2) return undefined;
  const timezone = choose(next, HOST_ZONES);
  const dateOverrides = randomOverrides(next, addDays(from, -1), addDays(to, 1));
  return { timezone, availability: kind < 0.35 ? null : randomWeek(next), dateOverrides };
}

function randomBlackouts(next: () => number, rangeStart: number): Blackout[] {
  return Array.from({ length: Math.floor(next() * 5) }, () => {
    const start = rangeStart + Math.floor(next() * 3 * 24 * 12) * 5 * MINUTE;
    const minutes = choose(next, [15, 30, 45, 90, 240, 600]);
    return { start, end: start + minutes * MINUTE, hostId: choose(next, [null, null, 1, 2, 3]) };
  });
}

function randomScheduledRules(next: () => number, scenario: (typeof SCENARIOS)[number]): SlotRules {
  const { timezone, from, to } = scenario;
  const hostSchedules: Record<number, HostSchedule> = {};
  for (const hostId of [1, 2, 3]) {
    const schedule = randomHostSchedule(next, from, to);
    if (schedule) hostSchedules[hostId] = schedule;
  }
  return rules({
    timezone,
    duration: choose(next, [15, 30, 45, 60]),
    increment: choose(next, [10, 15, 30]),
    bufferBefore: choose(next, [0, 5, 15]),
    bufferAfter: choose(next, [0, 10, 30]),
    capacity: choose(next, [1, 2, 3]),
    maxEventCount: choose(next, [0, 0, 4, 9]),
    minNotice: choose(next, [0, 120]),
    availability: randomWeek(next),
    dateOverrides: randomOverrides(next, from, to),
    hostIds: choose(next, [[], [1], [1, 2], [2, 3, 1], [3, 2]]),
    hostSchedules,
    blackouts: randomBlackouts(next, localDayBounds(timezone, from, to).start),
  });
}

/** Random appointments over the three days, plus same-type ones piled on real candidates. */
function randomBusy(
  next: () => number,
  r: SlotRules,
  rangeStart: number,
  candidates: number[],
): BusyAppointment[] {
  const busy = Array.from({ length: 30 }, (_, i) => {
    const start = rangeStart + Math.floor(next() * 3 * 24 * 12) * 5 * MINUTE;
    return appointment(i + 1, start, choose(next, [15, 30, 45, 60, 120]), {
      typeId: next() < 0.5 ? 1 : choose(next, [2, 3]),
      bufferBefore: choose(next, [0, 10, 30]),
      bufferAfter: choose(next, [0, 5, 20]),
      hostIds: choose(next, [[], [1], [2], [3], [1, 2]]),
    });
  });
  for (let i = 0; candidates.length > 0 && i < 10; i++) {
    const hostIds = choose(next, [[], [1], [2], [3]]);
    busy.push(appointment(100 + i, choose(next, candidates), r.duration, { hostIds }));
  }
  return busy;
}

/** What checkSlot must answer for `start`, given the reference slots; tallies which rule decided. */
function referenceCheck(
  r: SlotRules,
  model: LiteralSchedules,
  expected: Slot[],
  start: number,
  now: number,
  tally: (what: string) => void,
): SlotCheck {
  const refusal = model.refusal(start, now);
  const slot = expected.find((s) => s.start === start);
  tally(refusal ?? (slot ? 'offered' : 'unavailable'));
  if (slot && r.hostIds.some((id) => !model.hostAdmits(id, start, slot.end))) tally('some_host_outside');
  if (refusal !== null) return { ok: false, reason: 'slot_not_offered' };
  if (!slot) return { ok: false, reason: 'slot_unavailable' };
  return { ok: true, hostId: slot.freeHostIds[0] ?? null };
}

describe('schedules against the reference model', () => {
  it("matches a literal transcription on random overrides, hosts' own hours and blackouts, DST days included", () => {
    const seen = new Map<string, number>();
    const tally = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(1000 + seed);
      const scenario = choose(next, SCENARIOS);
      const { from, to } = scenario;
      const r = randomScheduledRules(next, scenario);
      const bounds = localDayBounds(r.timezone, from, to);
      const model = new LiteralSchedules(r, from, to);
      const count = model.candidates.length;
      expect({ seed, starts: candidateStarts(r, from, to) }).toEqual({ seed, starts: model.candidates });
      expect([exceedsCandidates(r, from, to, count), exceedsCandidates(r, from, to, count - 1)]).toEqual([
        false,
        count > 0,
      ]);

      const busy = randomBusy(next, r, bounds.start, model.candidates);
      const now = bounds.start + choose(next, [0, 20 * 60]) * MINUTE;
      const ignore = choose(next, [undefined, 3, 101]);
      const expected = referenceSlots(r, from, to, busy, now, ignore);
      const slots = computeSlots(r, from, to, busy, now, { ignoreAppointmentId: ignore });
      expect({ seed, slots }).toEqual({ seed, slots: expected });

      const elsewhere = Array.from(
        { length: 20 },
        () => bounds.start + Math.floor(next() * 3 * 24 * 12) * 5 * MINUTE,
      );
      const starts = [...model.candidates, ...elsewhere.filter((s) => s < bounds.end)];
      for (const start of starts) {
        const expectedCheck = referenceCheck(r, model, expected, start, now, tally);
        const check = checkSlot(r, start, busy, now, { ignoreAppointmentId: ignore });
        expect({ seed, start, check }).toEqual({ seed, start, check: expectedCheck });
      }
      for (const a of busy) {
        const conflict = model.conflict(a);
        tally(`conflict:${conflict}`);
        expect({ seed, id: a.id, conflict: scheduleConflict(r, a) }).toEqual({ seed, id: a.id, conflict });
      }
    }
    // Every rule decided some cases, so the comparison above is not vacuous.
    const kinds = ['not_a_candidate', 'notice', 'blackout', 'no_host_schedule', 'offered', 'unavailable'];
    const conflicts = ['null', 'outside_type_hours', 'blackout', 'outside_host_hours', 'host_blackout'];
    for (const kind of [...kinds, 'some_host_outside', ...conflicts.map((c) => `conflict:${c}`)]) {
      expect({ kind, seen: (seen.get(kind) ?? 0) > 3 }).toEqual({ kind, seen: true });
    }
  });
});

describe('one busy list asked again (its index kept while the list stays the same)', () => {
  it('answers every variation of the rules, range and appointment left out as a fresh list would', () => {
    const at = (day: string, time: string) => local(`${day}T${time}`);
    const busy: BusyAppointment[] = [
      appointment(1, at('2026-06-15', '09:00'), 30, { hostIds: [7] }),
      appointment(2, at('2026-06-15', '10:00'), 60, { hostIds: [8], typeId: 2, bufferAfter: 15 }),
      appointment(3, at('2026-06-15', '11:00'), 30, { hostIds: [7, 8] }),
      appointment(4, at('2026-06-15', '13:00'), 30),
      appointment(5, at('2026-06-15', '14:00'), 30, { bufferBefore: 30 }),
      // The next day in Berlin, still this one in New York.
      appointment(6, at('2026-06-16', '03:00'), 30),
      appointment(7, at('2026-06-16', '10:00'), 30, { hostIds: [8] }),
      // Enough more, weeks later, for the list to be kept (short ones are indexed again each time).
      ...Array.from({ length: 600 }, (_, i) =>
        appointment(100 + i, at('2026-07-20', '09:00') + i * MINUTE, 1),
      ),
    ];
    const variations: Partial<SlotRules>[] = [
      {},
      { hostIds: [7, 8] },
      { hostIds: [8] },
      { duration: 60 },
      { bufferBefore: 15 },
      { bufferAfter: 45 },
      { capacity: 2 },
      { maxEventCount: 1 },
      // Each after one that differs only by it: a list of the type's own or another's, days in another zone.
      { hostIds: [7, 8], capacity: 2 },
      { typeId: 2, hostIds: [7, 8], capacity: 2 },
      { maxEventCount: 5 },
      { timezone: NEW_YORK, maxEventCount: 5 },
    ];
    // Ranges that differ by their first day only, or by their length only.
    const ranges = [
      ['2026-06-15', '2026-06-15'],
      ['2026-06-15', '2026-06-16'],
      ['2026-06-16', '2026-06-16'],
    ];
    const ask = (range: string[], variation: Partial<SlotRules>, ignoreAppointmentId?: number) => ({
      from: range[0],
      to: range[1],
      variation,
      ignoreAppointmentId,
      rules: rules(variation),
    });
    // Asked in turn so that each ask follows one that differs from it only by one thing (the index keeps a few).
    const asks = [
      ...ranges.flatMap((range) =>
        [undefined, 3].flatMap((ignored) => variations.map((variation) => ask(range, variation, ignored))),
      ),
      ...variations.flatMap((variation) => ranges.map((range) => ask(range, variation))),
    ];
    const answer = (ask: (typeof asks)[number], list: readonly BusyAppointment[]) =>
      computeSlots(ask.rules, ask.from, ask.to, list, LONG_AGO, {
        ignoreAppointmentId: ask.ignoreAppointmentId,
      });
    // All of them of the same list first, as BusyCache answers it while nothing changes; then each of a copy
    // never met before.
    const again = asks.map((ask) => answer(ask, busy));
    asks.forEach((ask, i) => {
      const { from, to, variation, ignoreAppointmentId } = ask;
      expect({ from, to, variation, ignoreAppointmentId, slots: again[i] }).toEqual({
        from,
        to,
        variation,
        ignoreAppointmentId,
        slots: answer(ask, [...busy]),
      });
    });
  });
});
