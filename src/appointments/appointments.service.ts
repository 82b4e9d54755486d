import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import type { AppointmentTypeDto } from '../appointment-types/dto/appointment-type.dto';
import { DomainError } from '../common/errors/domain-error';
import { LAST_INSTANT_EXCLUSIVE } from '../common/validation/validators';
import { randomToken } from '../common/random/random-token';
import { Page, page } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { Transaction, Transactions } from '../database/transactions';
import { CustomersService } from '../customers/customers.service';
import { TeamMembersService } from '../team-members/team-members.service';
import { AppointmentEntity } from './appointment.entity';
import { toAppointmentDto, toAppointmentSnapshot } from './appointment.mapper';
import { AppointmentsRepository, isActive } from './appointments.repository';
import { MINUTE_MS } from './availability/wall-clock';
import {
  AppointmentVersion,
  changesAnything,
  classifyChange,
  COPIED_FIELDS,
  diffAppointment,
  sameIds,
} from './classify-change';
import { validateCustomerInformation } from './customer-information';
import { AppointmentDto } from './dto/appointment.dto';
import { CreateAppointmentDto } from './dto/create-appointment.dto';
import { ListAppointmentsQuery } from './dto/list-appointments.query';
import { UpdateAppointmentDto } from './dto/update-appointment.dto';
import { AppointmentEditedEvent } from './events/appointment-edited.event';
import type { AppointmentSnapshot, TeamMemberSnapshot } from './events/appointment-snapshot';
import { AppointmentPlacement } from './placement';
import { ScheduleConflicts } from './schedule-conflicts';
import { statusAnnouncement } from './status-announcement';

/** Appointments a deleted host leaves per transaction (see removeHostFromFuture). */
const REMOVE_HOST_SLICE = 25;

/** Whether an appointment holds its seat (booked or pending): only then can its customer move it. */
export function holdsSeat(appointment: Pick<AppointmentSnapshot, 'status'>): boolean {
  return isActive(appointment.status);
}

/**
 * Whether the appointment has begun: its customer may no longer move or cancel it (a no-show would otherwise turn
 * itself into a cancellation); the admin API still may.
 */
export function hasStarted(appointment: Pick<AppointmentSnapshot, 'start_date'>, now = Date.now()): boolean {
  return Date.parse(appointment.start_date) <= now;
}

/** A customer's change of an appointment that began at `startDate` (see hasStarted). */
export function alreadyStarted(startDate: string): DomainError {
  return new DomainError(
    'appointment_started',
    `this appointment started at ${startDate}; it can no longer be changed online`,
  );
}

/** A customer's move of an appointment that holds no seat (canceled, abandoned), whatever time is asked. */
export function notMovable(status: string): DomainError {
  return new DomainError('appointment_canceled', `this appointment is ${status}; its time cannot change`);
}

export interface TokenAppointment {
  appointment: AppointmentSnapshot;
  /** The calendar entry's revision (RFC 5545 SEQUENCE). */
  sequence: number;
}

@Injectable()
export class AppointmentsService {
  constructor(
    private readonly appointments: AppointmentsRepository,
    private readonly transactions: Transactions,
    private readonly placement: AppointmentPlacement,
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly teamMembers: TeamMembersService,
    private readonly customers: CustomersService,
    private readonly config: AppConfig,
    private readonly conflicts: ScheduleConflicts,
  ) {}

  async list(query: ListAppointmentsQuery): Promise<Page<AppointmentDto>> {
    if (query.conflicts) return this.conflicts.page(query);
    const [rows, total] = await this.appointments.page(query);
    return page(
      rows.map((row) => toAppointmentDto(row, this.config.siteUrl)),
      total,
      query,
    );
  }

  async get(id: number): Promise<AppointmentDto> {
    return toAppointmentDto(await this.find(id), this.config.siteUrl);
  }

  async book(input: CreateAppointmentDto): Promise<AppointmentDto> {
    const start = Date.parse(input.start_date);
    return this.transactions.run(async (tx) => {
      const type = await this.requireType(input.appointment_type_id);
      const information = customerInformation(input.customer_information, type);
      if (input.team_member_ids) await this.teamMembers.assertExist(input.team_member_ids, 'team_member_ids');
      // Before the slot's locks (PostgreSQL): a returning customer is then no query while they are held, and
      // the appointment's insert needs no answer (one round trip for both).
      const [known, reservedId] = await Promise.all([
        this.customers.findByEmail(String(information.Email)),
        this.appointments.reserveId(),
      ]);
      const hostIds = await this.placement.place(tx, type, {
        start,
        requestedHostIds: input.team_member_ids,
        ignoreAvailability: input.ignore_availability ?? false,
      });
      // Placement refuses a start availability does not offer, one ending in the year 10000 among them (422
      // slot_not_offered); one booked with ignore_availability must still end in time.
      assertEndsInTime(start + type.duration * MINUTE_MS);
      const customer =
        known ??
        (await this.customers.findOrCreate({
          name: String(information.Name),
          email: String(information.Email),
        }));
      const appointment = this.appointments.create(
        newAppointment(input, type, { start, hostIds, information, customerId: customer.id }),
      );
      appointment.id = await this.appointments.insert(appointment, reservedId);
      await this.appointments.writeHosts(appointment, { replace: false });
      await this.publishChange(tx, null, appointment, type);
      return toAppointmentDto(appointment, this.config.siteUrl);
    });
  }

  /**
   * No change moves an appointment that holds no seat (canceled or abandoned) or that the same change ends: its
   * end is announced, and a move would announce an edit after it (409 appointment_canceled).
   * `byCustomer`: a change its customer asked for, which may move only an appointment that holds its seat: a
   * canceled or abandoned one is refused whatever time is asked, its own included; and which may change nothing once
   * the appointment has begun (checked here, on the row read under its lock: an admin's move into the past committed
   * meanwhile counts).
   */
  async update(
    id: number,
    input: UpdateAppointmentDto,
    { byCustomer = false }: { byCustomer?: boolean } = {},
  ): Promise<AppointmentDto> {
    return this.transactions.run(async (tx) => {
      // Concurrent changes of one appointment (two cancels, an edit beside a reschedule) take turns.
      await tx.lockKeys([`appointment:${id}`]);
      const appointment = await this.find(id);
      if (byCustomer && input.start_date !== undefined && !isActive(appointment.status))
        throw notMovable(appointment.status);
      const before = { ...appointment, team_member_ids: [...appointment.team_member_ids] };
      const type = await this.requireType(appointment.appointment_type_id);
      const start = input.start_date === undefined ? appointment.start_at : Date.parse(input.start_date);
      const status = input.status ?? appointment.status;
      const begun = appointment.start_at <= Date.now();
      if (byCustomer && begun && (start !== appointment.start_at || status !== appointment.status))
        throw alreadyStarted(new Date(appointment.start_at).toISOString());
      if (start !== appointment.start_at && (!isActive(appointment.status) || !isActive(status))) {
        const ended = isActive(appointment.status)
          ? `would be ${status} by this change`
          : `is ${appointment.status}`;
        throw new DomainError('appointment_canceled', `appointment ${id} ${ended}; its time cannot change`);
      }
      await this.applyFields(appointment, input, type);
      await this.rehost(tx, appointment, type, { input, start, status });
      appointment.start_at = start;
      appointment.end_at = start + (before.end_at - before.start_at);
      // Only a move changes the end: an appointment stored before this check can still be canceled or edited.
      if (start !== before.start_at) assertEndsInTime(appointment.end_at);
      appointment.status = status;
      const diff = diffAppointment(before, appointment);
      if (!changesAnything(diff)) return toAppointmentDto(appointment, this.config.siteUrl);
      const announcement = statusAnnouncement(before.status, status, before.announced_booked);
      if (announcement === 'booked') appointment.announced_booked = true;
      // Its end is announced: the receiver has heard all it heard begin, until a move into booked again.
      if (announcement === 'canceled') appointment.announced_booked = false;
      appointment.date_modified = Date.now();
      if (diff.time || diff.status) appointment.sequence = (before.sequence ?? 0) + 1;
      await this.appointments.save(appointment);
      if (diff.hosts || diff.time) await this.appointments.writeHosts(appointment, { replace: true });
      await this.publishChange(tx, before, appointment, type);
      return toAppointmentDto(appointment, this.config.siteUrl);
    });
  }

  /**
   * The appointment behind a customer's secret token, as its events describe it (type, hosts), with its
   * calendar revision; null when no appointment has that token. Inside a booking's transaction (an
   * idempotent public booking reads back what it booked) it reads in it.
   */
  async findByToken(token: string): Promise<TokenAppointment | null> {
    const appointment = await this.appointments.findByToken(token);
    // The database found it by an index; the comparison that decides is constant-time and case-exact.
    if (!appointment || !sameSecret(appointment.token, token)) return null;
    const type = await this.requireType(appointment.appointment_type_id);
    return {
      appointment: await this.snapshot(appointment, type),
      sequence: appointment.sequence ?? 0,
    };
  }

  /**
   * Changes the appointment of a customer's token (found by `findByToken`), as its customer (see `update`), and
   * answers it as `findByToken` does, read in the change's transaction: a concurrent change of the same
   * appointment, which waits for this one, cannot show in this answer (read after the commit, a reschedule
   * answered 200 with another's time, or canceled by a cancel sent beside it).
   */
  async changeByToken(
    id: number,
    token: string,
    input: UpdateAppointmentDto,
  ): Promise<TokenAppointment | null> {
    return this.transactions.run(async () => {
      await this.update(id, input, { byCustomer: true });
      return this.findByToken(token);
    });
  }

  /** Cancels; canceling a canceled appointment changes nothing. */
  cancel(id: number): Promise<AppointmentDto> {
    return this.update(id, { status: 'canceled' });
  }

  /**
   * A deleted team member leaves the future active appointments it hosted; each of them is then edited.
   * Idempotent: a replay finds no appointments left to change. In slices, each a transaction of its own with
   * the event loop free between them: in one, the edits of a member's 1,000 future appointments and their
   * events' fan-out held the event loop for a second on SQLite (3,000: up to 3.6 s). A crash between slices
   * leaves the event unhandled, and its replay changes the rest.
   */
  async removeHostFromFuture(member: TeamMemberSnapshot): Promise<number> {
    const now = Date.now();
    const ids = await this.appointments.hostedAfter(member.id, now);
    let changed = 0;
    for (let start = 0; start < ids.length; start += REMOVE_HOST_SLICE) {
      if (start > 0) await yieldToEventLoop();
      const slice = ids.slice(start, start + REMOVE_HOST_SLICE);
      changed += await this.transactions.run((tx) => this.removeHostFrom(tx, member, slice, now));
    }
    return changed;
  }

  private async removeHostFrom(
    tx: Transaction,
    member: TeamMemberSnapshot,
    ids: number[],
    now: number,
  ): Promise<number> {
    await tx.lockKeys(ids.map((id) => `appointment:${id}`));
    let changed = 0;
    for (const appointment of await this.appointments.findActive(ids)) {
      // Read after the lock: the same event handled twice at once (a relay racing the after-commit
      // emission) finds the member already gone here and announces nothing a second time.
      if (!appointment.team_member_ids.includes(member.id)) continue;
      const type = await this.requireType(appointment.appointment_type_id);
      const remaining = await this.teamMembers.snapshots(appointment.team_member_ids);
      const teamBefore = [...remaining.filter((m) => m.id !== member.id), member].sort((a, b) => a.id - b.id);
      appointment.team_member_ids = appointment.team_member_ids.filter((memberId) => memberId !== member.id);
      appointment.date_modified = now;
      await this.appointments.save(appointment);
      await this.appointments.deleteHost(appointment.id, member.id);
      const snapshot = await this.snapshot(appointment, type);
      await tx.publish(
        new AppointmentEditedEvent({ appointment: snapshot, data_before: { team_members: teamBefore } }),
      );
      changed += 1;
    }
    return changed;
  }

  /** A PATCH's plain fields; new customer information also finds (or creates) its customer. */
  private async applyFields(
    appointment: AppointmentEntity,
    input: UpdateAppointmentDto,
    type: AppointmentTypeDto,
  ): Promise<void> {
    if (input.customer_information !== undefined) {
      const information = customerInformation(input.customer_information, type);
      appointment.customer_information = information;
      const customer = await this.customers.findOrCreate({
        name: String(information.Name),
        email: String(information.Email),
      });
      appointment.customer_id = customer.id;
    }
    for (const field of COPIED_FIELDS) {
      if (input[field] !== undefined) Object.assign(appointment, { [field]: input[field] });
    }
    if (input.team_member_ids !== undefined)
      await this.teamMembers.assertExist(input.team_member_ids, 'team_member_ids');
  }

  /** Places an active appointment again when its time, hosts or activity change; otherwise takes the hosts given. */
  private async rehost(
    tx: Transaction,
    appointment: AppointmentEntity,
    type: AppointmentTypeDto,
    change: { input: UpdateAppointmentDto; start: number; status: AppointmentEntity['status'] },
  ): Promise<void> {
    const { input, start, status } = change;
    const hostsChanged =
      input.team_member_ids !== undefined && !sameIds(input.team_member_ids, appointment.team_member_ids);
    const reactivated = isActive(status) && !isActive(appointment.status);
    if (isActive(status) && (start !== appointment.start_at || hostsChanged || reactivated)) {
      appointment.team_member_ids = await this.placement.place(tx, type, {
        start,
        requestedHostIds: input.team_member_ids,
        // A host deleted since stays on the appointment's past (the delete clears only future appointments), but
        // does not come along to a new time: the webhooks, which name existing members only, said no host.
        currentHostIds: await this.teamMembers.existingIds(appointment.team_member_ids),
        ignoreAvailability: input.ignore_availability ?? false,
        ignoreAppointmentId: appointment.id,
      });
    } else if (input.team_member_ids !== undefined) {
      appointment.team_member_ids = [...input.team_member_ids].sort((a, b) => a - b);
    }
  }

  /** Publishes what the change from `before` (null: none, a booking) to `after` announces. */
  private async publishChange(
    tx: Transaction,
    before: AppointmentEntity | null,
    after: AppointmentEntity,
    type: AppointmentTypeDto,
  ): Promise<void> {
    const next: AppointmentVersion = { stored: after, snapshot: await this.snapshot(after, type) };
    let previous: AppointmentVersion | null = null;
    if (before !== null) {
      const hosts = sameIds(before.team_member_ids, after.team_member_ids)
        ? next.snapshot.team_members
        : await this.teamMembers.snapshots(before.team_member_ids);
      previous = {
        stored: before,
        snapshot: toAppointmentSnapshot(before, type, hosts, this.config.siteUrl),
      };
    }
    for (const event of classifyChange(previous, next)) await tx.publish(event);
  }

  private async snapshot(appointment: AppointmentEntity, type: AppointmentTypeDto) {
    const hosts = await this.teamMembers.snapshots(appointment.team_member_ids);
    return toAppointmentSnapshot(appointment, type, hosts, this.config.siteUrl);
  }

  private async requireType(id: number): Promise<AppointmentTypeDto> {
    const type = await this.appointmentTypes.findById(id);
    if (!type) throw DomainError.invalidField('appointment_type_id', `appointment type ${id} does not exist`);
    return type;
  }

  private async find(id: number): Promise<AppointmentEntity> {
    const appointment = await this.appointments.findById(id);
    if (!appointment) throw DomainError.notFound('appointment', id);
    return appointment;
  }
}

/** A new appointment's stored fields: the input's, with the type's defaults. */
function newAppointment(
  input: CreateAppointmentDto,
  type: AppointmentTypeDto,
  placed: {
    start: number;
    hostIds: number[];
    information: AppointmentEntity['customer_information'];
    customerId: number;
  },
): Omit<AppointmentEntity, 'id' | 'sequence'> {
  const now = Date.now();
  const status = input.status ?? 'booked';
  return {
    appointment_type_id: type.id,
    customer_id: placed.customerId,
    customer_information: placed.information,
    customer_timezone: input.customer_timezone ?? null,
    start_at: placed.start,
    end_at: placed.start + type.duration * MINUTE_MS,
    buffer_before: type.buffer_before,
    buffer_after: type.buffer_after,
    status,
    announced_booked: status === 'booked',
    team_member_ids: placed.hostIds,
    price_full: input.price_full ?? type.price,
    payment_method: input.payment_method ?? null,
    payment_received: input.payment_received ?? 0,
    web_meeting_url: input.web_meeting_url === undefined ? type.web_meeting_url : input.web_meeting_url,
    web_meeting_password:
      input.web_meeting_password === undefined ? type.web_meeting_password : input.web_meeting_password,
    token: randomToken(24),
    date_created: now,
    date_modified: now,
  };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function customerInformation(input: Record<string, unknown>, type: AppointmentTypeDto) {
  const { value, errors } = validateCustomerInformation(input, type.customer_fields);
  if (errors.length > 0) {
    const summary = errors.map((error) => `${error.field} ${error.message}`).join('; ');
    throw new DomainError('validation_failed', `Invalid request: ${summary}`, errors);
  }
  return value;
}

/**
 * An appointment ends where its answers, calendar file and payload can print it: a start in the year 9999 is
 * valid, an end in the year 10000 is not (it was `+010000-01-01T00:00:00.000Z`, `DTEND:100000101T000000Z`).
 */
function assertEndsInTime(end: number): void {
  if (end >= LAST_INSTANT_EXCLUSIVE)
    throw DomainError.invalidField('start_date', 'the appointment must end before the year 10000 in UTC');
}
