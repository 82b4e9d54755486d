import type { AppointmentEntity } from './appointment.entity';
import { toAppointmentSnapshot } from './appointment.mapper';
import { AppointmentVersion, changesAnything, classifyChange, diffAppointment } from './classify-change';
import type { AppointmentStatus, TeamMemberSnapshot } from './events/appointment-snapshot';

const HOUR = 3_600_000;
const START = Date.parse('2026-06-15T09:00:00Z');
const type = { slug: 'intro', title: 'Intro', timezone: 'Europe/Berlin' };
const members: Record<number, TeamMemberSnapshot> = {
  1: { id: 1, wp_user_id: 0, name: 'Ada', display_name: 'Ada', email: 'ada@example.com' },
  2: { id: 2, wp_user_id: 0, name: 'Bob', display_name: 'Bob', email: 'bob@example.com' },
};

function stored(changes: Partial<AppointmentEntity> = {}): AppointmentEntity {
  return {
    id: 7,
    appointment_type_id: 3,
    customer_id: 11,
    customer_information: { Name: 'Grace', Email: 'grace@example.com' },
    customer_timezone: null,
    start_at: START,
    end_at: START + HOUR,
    buffer_before: 0,
    buffer_after: 0,
    status: 'booked',
    announced_booked: true,
    team_member_ids: [1],
    price_full: 50,
    payment_method: null,
    payment_received: 0,
    web_meeting_url: null,
    web_meeting_password: null,
    token: 'secret',
    date_created: START - 24 * HOUR,
    date_modified: START - 24 * HOUR,
    sequence: 0,
    ...changes,
  };
}

function version(appointment: AppointmentEntity): AppointmentVersion {
  const hosts = appointment.team_member_ids.map((id) => members[id]);
  return { stored: appointment, snapshot: toAppointmentSnapshot(appointment, type, hosts, 'https://site') };
}

/** `before` → `after`, as the names and payload extras of the events they announce. */
function fired(before: AppointmentEntity | null, after: AppointmentEntity) {
  return classifyChange(before && version(before), version(after)).map((event) => {
    const { appointment, ...extra } = event.payload as { appointment: { status: string } } & object;
    expect(appointment).toEqual(version(after).snapshot);
    return Object.keys(extra).length === 0 ? event.name : { [event.name]: extra };
  });
}

const pending = (status: AppointmentStatus, announced_booked = false) => stored({ status, announced_booked });

describe('classifyChange (DESIGN, "Which action fires")', () => {
  describe('booked', () => {
    it('fires on creation with status booked', () => {
      expect(fired(null, stored())).toEqual(['appointment.booked']);
    });

    it('fires nothing on creation with a pending status', () => {
      expect(fired(null, pending('pending_payment'))).toEqual([]);
      expect(fired(null, pending('pending_form'))).toEqual([]);
    });

    it('fires on a move into booked, from a pending status or back from canceled', () => {
      expect(fired(pending('pending_payment'), stored())).toEqual(['appointment.booked']);
      expect(fired(pending('pending_form'), stored())).toEqual(['appointment.booked']);
      expect(fired(stored({ status: 'canceled' }), stored())).toEqual(['appointment.booked']);
    });

    it('announces the move alone, without the edits made along with it', () => {
      expect(fired(pending('pending_payment'), stored({ payment_received: 50 }))).toEqual([
        'appointment.booked',
      ]);
    });
  });

  describe('rescheduled', () => {
    it('fires on a change of start time of a booked appointment, with the old start', () => {
      const moved = stored({ start_at: START + 2 * HOUR, end_at: START + 3 * HOUR });
      expect(fired(stored(), moved)).toEqual([
        { 'appointment.rescheduled': { rescheduled_from_start_date: '2026-06-15T09:00:00.000Z' } },
      ]);
    });

    it('is followed by edited for other fields changed at once, without the time', () => {
      const moved = stored({ start_at: START + HOUR, end_at: START + 2 * HOUR, price_full: 60 });
      expect(fired(stored(), moved)).toEqual([
        { 'appointment.rescheduled': { rescheduled_from_start_date: '2026-06-15T09:00:00.000Z' } },
        { 'appointment.edited': { data_before: { price_full: 50 } } },
      ]);
    });

    it('is an edit for a pending appointment, whose time is then among the fields before', () => {
      const moved = pending('pending_payment');
      Object.assign(moved, { start_at: START + HOUR, end_at: START + 2 * HOUR });
      expect(fired(pending('pending_payment'), moved)).toEqual([
        {
          'appointment.edited': {
            data_before: { start_date: '2026-06-15T09:00:00.000Z', end_date: '2026-06-15T10:00:00.000Z' },
          },
        },
      ]);
    });
  });

  describe('edited', () => {
    it.each([
      ['customer information', { customer_information: { Name: 'G', Email: 'g@example.com' } }],
      ['customer', { customer_id: 12 }],
      ['customer time zone', { customer_timezone: 'Asia/Tokyo' }],
      ['price', { price_full: 75 }],
      ['payment method', { payment_method: 'card' }],
      ['payment received', { payment_received: 50 }],
      ['meeting link', { web_meeting_url: 'https://meet.example/x' }],
      ['meeting password', { web_meeting_password: 'pw' }],
    ])('fires on a change of the %s with the status unchanged, with the old value', (_, changes) => {
      const [field] = Object.keys(changes) as (keyof AppointmentEntity)[];
      expect(fired(stored(), stored(changes))).toEqual([
        { 'appointment.edited': { data_before: { [field]: stored()[field] } } },
      ]);
    });

    it('fires on a change of hosts, with the hosts before as events describe them', () => {
      expect(fired(stored(), stored({ team_member_ids: [1, 2] }))).toEqual([
        { 'appointment.edited': { data_before: { team_members: [members[1]] } } },
      ]);
    });

    it('fires on a change of a pending appointment too', () => {
      const before = pending('pending_form');
      expect(fired(before, { ...before, price_full: 1 })).toEqual([
        { 'appointment.edited': { data_before: { price_full: 50 } } },
      ]);
    });
  });

  describe('canceled', () => {
    it('fires on booked → canceled', () => {
      expect(fired(stored(), stored({ status: 'canceled' }))).toEqual(['appointment.canceled']);
    });

    it('fires for one announced as booked that ends canceled through a pending status', () => {
      const paused = pending('pending_payment', true);
      expect(fired(stored(), paused)).toEqual([]);
      expect(fired(paused, stored({ status: 'canceled' }))).toEqual(['appointment.canceled']);
    });

    it('fires nothing for one never announced as booked', () => {
      expect(fired(pending('pending_payment'), pending('canceled'))).toEqual([]);
    });
  });

  describe('nothing', () => {
    it('fires for a change that changes nothing', () => {
      expect(fired(stored(), stored())).toEqual([]);
      expect(changesAnything(diffAppointment(stored(), stored()))).toBe(false);
    });

    it('fires for a move between pending statuses, which is still a change to store', () => {
      const before = pending('pending_payment');
      const after = pending('pending_form');
      expect(fired(before, after)).toEqual([]);
      expect(changesAnything(diffAppointment(before, after))).toBe(true);
    });

    it('treats the same hosts in another order as unchanged', () => {
      const before = stored({ team_member_ids: [2, 1] });
      expect(fired(before, stored({ team_member_ids: [1, 2] }))).toEqual([]);
    });
  });
});
