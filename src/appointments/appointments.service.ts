import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EntityManager, In, MoreThan, Repository } from 'typeorm';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import type { AppointmentTypeDto } from '../appointment-types/dto/appointment-type.dto';
import { DomainError } from '../common/errors/domain-error';
import { Page, page } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { Transaction, Transactions } from '../database/transactions';
import { CustomersService } from '../customers/customers.service';
import { TeamMembersService } from '../team-members/team-members.service';
import { AppointmentEntity, AppointmentHostEntity } from './appointment.entity';
import { toAppointmentDto, toAppointmentSnapshot, toSlotRules } from './appointment.mapper';
import { checkSlot, loadMarginMs, SlotCheck, SlotRules } from './availability/slot-engine';
import { DAY_MS, MINUTE_MS } from './availability/wall-clock';
import { ACTIVE_STATUSES, BookingCalendar, LONGEST_BUFFER_MINUTES } from './booking-calendar';
import { ScheduleConflicts } from './schedule-conflicts';
import { ScheduleInputs } from './schedule-inputs';
import { validateCustomerInformation } from './customer-information';
import { statusAnnouncement } from './status-announcement';
import { AppointmentDto } from './dto/appointment.dto';
import { CreateAppointmentDto } from './dto/create-appointment.dto';
import { ListAppointmentsQuery } from './dto/list-appointments.query';
import { UpdateAppointmentDto } from './dto/update-appointment.dto';
import { AppointmentBookedEvent } from './events/appointment-booked.event';
import { AppointmentCanceledEvent } from './events/appointment-canceled.event';
import { AppointmentEditedEvent } from './events/appointment-edited.event';
import { AppointmentRescheduledEvent } from './events/appointment-rescheduled.event';
import type {
  AppointmentDataBefore,
  AppointmentSnapshot,
  AppointmentStatus,
  TeamMemberSnapshot,
} from './events/appointment-snapshot';

const isActive = (status: AppointmentStatus): boolean =>
  (ACTIVE_STATUSES as readonly string[]).includes(status);

/** The fields whose change is an edit (as opposed to a reschedule or a status change). */
const EDITABLE_FIELDS = [
  'customer_id',
  'customer_information',
  'customer_timezone',
  'price_full',
  'payment_method',
  'payment_received',
  'web_meeting_url',
  'web_meeting_password',
] as const;

export interface TokenAppointment {
  appointment: AppointmentSnapshot;
  /** The calendar entry's revision (RFC 5545 SEQUENCE). */
  sequence: number;
}

interface Placement {
  typeId: number;
  start: number;
  /** Hosts asked for explicitly; otherwise the current ones are kept when free, or the type picks one. */
  requestedHostIds?: number[];
  currentHostIds?: number[];
  ignoreAvailability: boolean;
  ignoreAppointmentId?: number;
}

@Injectable()
export class AppointmentsService {
  constructor(
    @InjectRepository(AppointmentEntity) private readonly appointments: Repository<AppointmentEntity>,
    private readonly transactions: Transactions,
    private readonly calendar: BookingCalendar,
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly teamMembers: TeamMembersService,
    private readonly customers: CustomersService,
    private readonly config: AppConfig,
    private readonly schedules: ScheduleInputs,
    private readonly conflicts: ScheduleConflicts,
  ) {}

  async list(query: ListAppointmentsQuery): Promise<Page<AppointmentDto>> {
    const qb = this.appointments.createQueryBuilder('a');
    if (query.status) qb.andWhere('a.status = :status', { status: query.status });
    if (query.appointment_type_id)
      qb.andWhere('a.appointment_type_id = :typeId', { typeId: query.appointment_type_id });
    if (query.customer_id) qb.andWhere('a.customer_id = :customerId', { customerId: query.customer_id });
    if (query.start_after) qb.andWhere('a.start_at >= :after', { after: Date.parse(query.start_after) });
    if (query.start_before) qb.andWhere('a.start_at < :before', { before: Date.parse(query.start_before) });
    if (query.team_member_id) {
      qb.andWhere(
        'a.id IN (SELECT h.appointment_id FROM appointment_hosts h WHERE h.team_member_id = :memberId)',
        {
          memberId: query.team_member_id,
        },
      );
    }
    if (query.conflicts) return this.conflicts.page(qb, query);
    const [rows, total] = await qb
      .orderBy('a.start_at', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .take(query.limit)
      .skip(query.offset)
      .getManyAndCount();
    return page(
      rows.map((row) => toAppointmentDto(row, this.config.siteUrl)),
      total,
      query,
    );
  }

  async get(id: number): Promise<AppointmentDto> {
    return toAppointmentDto(await this.find(this.appointments.manager, id), this.config.siteUrl);
  }

  async book(input: CreateAppointmentDto): Promise<AppointmentDto> {
    const start = Date.parse(input.start_date);
    return this.transactions.run(async (tx) => {
      const type = await this.requireType(tx.manager, input.appointment_type_id);
      const information = customerInformation(input.customer_information, type);
      if (input.team_member_ids)
        await this.teamMembers.assertExist(tx.manager, input.team_member_ids, 'team_member_ids');
      const hostIds = await this.place(tx, type, {
        typeId: type.id,
        start,
        requestedHostIds: input.team_member_ids,
        ignoreAvailability: input.ignore_availability ?? false,
      });
      const customer = await this.customers.findOrCreate(tx.manager, {
        name: String(information.Name),
        email: String(information.Email),
      });
      const now = Date.now();
      const appointment = tx.manager.create(AppointmentEntity, {
        appointment_type_id: type.id,
        customer_id: customer.id,
        customer_information: information,
        customer_timezone: input.customer_timezone ?? null,
        start_at: start,
        end_at: start + type.duration * MINUTE_MS,
        buffer_before: type.buffer_before,
        buffer_after: type.buffer_after,
        status: input.status ?? 'booked',
        announced_booked: (input.status ?? 'booked') === 'booked',
        team_member_ids: hostIds,
        price_full: input.price_full ?? type.price,
        payment_method: input.payment_method ?? null,
        payment_received: input.payment_received ?? 0,
        web_meeting_url: input.web_meeting_url === undefined ? type.web_meeting_url : input.web_meeting_url,
        web_meeting_password:
          input.web_meeting_password === undefined ? type.web_meeting_password : input.web_meeting_password,
        token: randomBytes(24).toString('base64url'),
        date_created: now,
        date_modified: now,
      });
      // insert, not save: save first looks the row up, a query the hot path does not need. A copy, because
      // insert merges the raw RETURNING values (PostgreSQL numerics as strings) into what it is given.
      appointment.id = Number(
        (await tx.manager.insert(AppointmentEntity, { ...appointment })).identifiers[0].id,
      );
      await this.writeHosts(tx.manager, appointment, { replace: false });
      if (appointment.status === 'booked') {
        const snapshot = await this.snapshot(tx.manager, appointment, type);
        await tx.publish(new AppointmentBookedEvent({ appointment: snapshot }));
      }
      return toAppointmentDto(appointment, this.config.siteUrl);
    });
  }

  async update(id: number, input: UpdateAppointmentDto): Promise<AppointmentDto> {
    return this.transactions.run(async (tx) => {
      // Concurrent changes of one appointment (two cancels, an edit beside a reschedule) take turns.
      await tx.lockKeys([`appointment:${id}`]);
      const appointment = await this.find(tx.manager, id);
      const before = { ...appointment, team_member_ids: [...appointment.team_member_ids] };
      const type = await this.requireType(tx.manager, appointment.appointment_type_id);
      const start = input.start_date === undefined ? appointment.start_at : Date.parse(input.start_date);
      const status = input.status ?? appointment.status;
      if (start !== appointment.start_at && (appointment.status === 'canceled' || status === 'canceled')) {
        throw new DomainError(
          'appointment_canceled',
          `appointment ${id} is canceled; its time cannot change`,
        );
      }

      if (input.customer_information !== undefined) {
        const information = customerInformation(input.customer_information, type);
        appointment.customer_information = information;
        const customer = await this.customers.findOrCreate(tx.manager, {
          name: String(information.Name),
          email: String(information.Email),
        });
        appointment.customer_id = customer.id;
      }
      if (input.customer_timezone !== undefined) appointment.customer_timezone = input.customer_timezone;
      if (input.price_full !== undefined) appointment.price_full = input.price_full;
      if (input.payment_method !== undefined) appointment.payment_method = input.payment_method;
      if (input.payment_received !== undefined) appointment.payment_received = input.payment_received;
      if (input.web_meeting_url !== undefined) appointment.web_meeting_url = input.web_meeting_url;
      if (input.web_meeting_password !== undefined)
        appointment.web_meeting_password = input.web_meeting_password;
      if (input.team_member_ids !== undefined) {
        await this.teamMembers.assertExist(tx.manager, input.team_member_ids, 'team_member_ids');
      }

      const hostsChanged =
        input.team_member_ids !== undefined && !sameIds(input.team_member_ids, appointment.team_member_ids);
      const timeChanged = start !== appointment.start_at;
      const reactivated = isActive(status) && !isActive(appointment.status);
      if (isActive(status) && (timeChanged || hostsChanged || reactivated)) {
        appointment.team_member_ids = await this.place(tx, type, {
          typeId: type.id,
          start,
          requestedHostIds: input.team_member_ids,
          currentHostIds: appointment.team_member_ids,
          ignoreAvailability: input.ignore_availability ?? false,
          ignoreAppointmentId: appointment.id,
        });
      } else if (input.team_member_ids !== undefined) {
        appointment.team_member_ids = [...input.team_member_ids].sort((a, b) => a - b);
      }
      if (timeChanged) {
        appointment.start_at = start;
        appointment.end_at = start + (before.end_at - before.start_at);
      }
      appointment.status = status;

      const edited = EDITABLE_FIELDS.filter(
        (field) => JSON.stringify(appointment[field]) !== JSON.stringify(before[field]),
      );
      const hostsNow = !sameIds(appointment.team_member_ids, before.team_member_ids);
      if (edited.length === 0 && !hostsNow && !timeChanged && status === before.status) {
        return toAppointmentDto(appointment, this.config.siteUrl);
      }
      const announcement = statusAnnouncement(before.status, status, before.announced_booked);
      if (announcement === 'booked') appointment.announced_booked = true;
      appointment.date_modified = Date.now();
      if (timeChanged || status !== before.status) appointment.sequence = (before.sequence ?? 0) + 1;
      await tx.manager.save(appointment);
      if (hostsNow || timeChanged) await this.writeHosts(tx.manager, appointment);

      const snapshot = await this.snapshot(tx.manager, appointment, type);
      if (announcement === 'booked') {
        await tx.publish(new AppointmentBookedEvent({ appointment: snapshot }));
      } else if (announcement === 'canceled') {
        await tx.publish(new AppointmentCanceledEvent({ appointment: snapshot }));
      } else if (announcement === 'unchanged') {
        const rescheduled = status === 'booked' && timeChanged;
        if (rescheduled) {
          await tx.publish(
            new AppointmentRescheduledEvent({
              appointment: snapshot,
              rescheduled_from_start_date: new Date(before.start_at).toISOString(),
            }),
          );
        }
        // Other fields changed in the same PATCH are announced too, without the time a reschedule covers.
        if (edited.length > 0 || hostsNow || (timeChanged && !rescheduled)) {
          const dataBefore = await this.dataBefore(
            tx.manager,
            before,
            edited,
            hostsNow,
            timeChanged && !rescheduled,
          );
          await tx.publish(new AppointmentEditedEvent({ appointment: snapshot, data_before: dataBefore }));
        }
      }
      return toAppointmentDto(appointment, this.config.siteUrl);
    });
  }

  /**
   * The appointment behind a customer's secret token, as its events describe it (type, hosts), with its
   * calendar revision; null when no appointment has that token.
   */
  async findByToken(token: string): Promise<TokenAppointment | null> {
    // Inside a booking's transaction (an idempotent public booking reads back what it booked) read in it.
    const manager = this.transactions.readWith(this.appointments.manager);
    const appointment = await manager.findOneBy(AppointmentEntity, { token });
    // The database found it by an index; the comparison that decides is constant-time and case-exact.
    if (!appointment || !sameSecret(appointment.token, token)) return null;
    const type = await this.requireType(manager, appointment.appointment_type_id);
    return {
      appointment: await this.snapshot(manager, appointment, type),
      sequence: appointment.sequence ?? 0,
    };
  }

  /** Cancels; canceling a canceled appointment changes nothing. */
  cancel(id: number): Promise<AppointmentDto> {
    return this.update(id, { status: 'canceled' });
  }

  /**
   * A deleted team member leaves the future active appointments it hosted; each of them is then edited.
   * Idempotent: a replay finds no appointments left to change.
   */
  async removeHostFromFuture(member: TeamMemberSnapshot): Promise<number> {
    return this.transactions.run(async (tx) => {
      const now = Date.now();
      const hosted = await tx.manager.find(AppointmentHostEntity, {
        where: { team_member_id: member.id, start_at: MoreThan(now) },
      });
      const ids = hosted.map((row) => row.appointment_id);
      if (ids.length === 0) return 0;
      await tx.lockKeys(ids.map((id) => `appointment:${id}`));
      const appointments = await tx.manager.find(AppointmentEntity, {
        where: { id: In(ids), status: In([...ACTIVE_STATUSES]) },
        order: { id: 'ASC' },
      });
      let changed = 0;
      for (const appointment of appointments) {
        // Read after the lock: the same event handled twice at once (a relay racing the after-commit
        // emission) finds the member already gone here and announces nothing a second time.
        if (!appointment.team_member_ids.includes(member.id)) continue;
        const type = await this.requireType(tx.manager, appointment.appointment_type_id);
        const remaining = await this.teamMembers.snapshots(tx.manager, appointment.team_member_ids);
        const teamBefore = [...remaining.filter((m) => m.id !== member.id), member].sort(
          (a, b) => a.id - b.id,
        );
        appointment.team_member_ids = appointment.team_member_ids.filter(
          (memberId) => memberId !== member.id,
        );
        appointment.date_modified = now;
        await tx.manager.save(appointment);
        await tx.manager.delete(AppointmentHostEntity, {
          appointment_id: appointment.id,
          team_member_id: member.id,
        });
        const snapshot = await this.snapshot(tx.manager, appointment, type);
        await tx.publish(
          new AppointmentEditedEvent({ appointment: snapshot, data_before: { team_members: teamBefore } }),
        );
        changed += 1;
      }
      return changed;
    });
  }

  /**
   * Decides the hosts of an appointment at `start`, enforcing every booking rule unless told to ignore them:
   * 422 slot_not_offered for a start the type does not offer, 409 slot_unavailable for a taken one.
   */
  private async place(tx: Transaction, type: AppointmentTypeDto, placement: Placement): Promise<number[]> {
    const typeHosts = await this.teamMembers.activeIds(tx.manager, type.team_member_ids);
    // An empty list asks for no particular host: the type chooses, as when the field is left out.
    const requested = placement.requestedHostIds?.length ? placement.requestedHostIds : undefined;
    const current = placement.currentHostIds ?? [];
    const hostKeys = [...typeHosts, ...(requested ?? []), ...current].map((id) => `member:${id}`);
    await tx.lockKeys([`type:${type.id}`, ...hostKeys]);
    const schedules = await this.schedules.load(tx.manager, {
      typeId: type.id,
      hostIds: [...new Set([...typeHosts, ...(requested ?? []), ...current])],
      from: placement.start,
      to: placement.start + type.duration * MINUTE_MS,
    });
    // Ignoring availability also ignores the draft status: the pick below still prefers the least busy host.
    const rules: SlotRules = {
      ...toSlotRules(type, typeHosts, schedules),
      ...(placement.ignoreAvailability && { draft: false }),
    };
    const check = async (hostIds: number[]): Promise<SlotCheck> => {
      const scoped: SlotRules = { ...rules, hostIds };
      // Plus a day either side: the daily cap and the host choice count the whole local date of the start.
      const margin = loadMarginMs(scoped, LONGEST_BUFFER_MINUTES) + DAY_MS;
      const busy = await this.calendar.busy(tx.manager, {
        typeId: type.id,
        hostIds,
        from: placement.start - margin,
        to: placement.start + margin,
      });
      return checkSlot(scoped, placement.start, busy, Date.now(), {
        ignoreAppointmentId: placement.ignoreAppointmentId,
      });
    };
    const allFree = async (hostIds: number[]): Promise<boolean> => {
      for (const hostId of hostIds) if (!(await check([hostId])).ok) return false;
      return true;
    };
    const assertFree = async (hostIds: number[]): Promise<void> => {
      for (const hostId of hostIds) assertPlaced(await check([hostId]));
    };

    if (placement.ignoreAvailability) {
      if (requested) return sorted(requested);
      if (current.length > 0 || typeHosts.length === 0) return sorted(current);
      const picked = await check(typeHosts);
      return [picked.ok && picked.hostId !== null ? picked.hostId : typeHosts[0]];
    }
    if (typeHosts.length === 0) {
      // The type is its own calendar; hosts named on top of it must be free as well.
      assertPlaced(await check([]));
      const named = requested ?? current;
      await assertFree(named);
      return sorted(named);
    }
    if (requested) {
      await assertFree(requested);
      return sorted(requested);
    }
    if (current.length > 0 && (await allFree(current))) return sorted(current);
    const result = assertPlaced(await check(typeHosts));
    return result.hostId === null ? [] : [result.hostId];
  }

  private async writeHosts(
    manager: EntityManager,
    appointment: AppointmentEntity,
    options: { replace: boolean } = { replace: true },
  ): Promise<void> {
    if (options.replace) await manager.delete(AppointmentHostEntity, { appointment_id: appointment.id });
    if (appointment.team_member_ids.length === 0) return;
    await manager.insert(
      AppointmentHostEntity,
      appointment.team_member_ids.map((team_member_id) => ({
        appointment_id: appointment.id,
        team_member_id,
        start_at: appointment.start_at,
      })),
    );
  }

  private async snapshot(manager: EntityManager, appointment: AppointmentEntity, type: AppointmentTypeDto) {
    const hosts = await this.teamMembers.snapshots(manager, appointment.team_member_ids);
    return toAppointmentSnapshot(appointment, type, hosts, this.config.siteUrl);
  }

  private async dataBefore(
    manager: EntityManager,
    before: AppointmentEntity,
    edited: readonly (typeof EDITABLE_FIELDS)[number][],
    hostsChanged: boolean,
    timeChanged: boolean,
  ): Promise<AppointmentDataBefore> {
    const dataBefore: AppointmentDataBefore = {};
    for (const field of edited) Object.assign(dataBefore, { [field]: before[field] });
    if (timeChanged) {
      dataBefore.start_date = new Date(before.start_at).toISOString();
      dataBefore.end_date = new Date(before.end_at).toISOString();
    }
    if (hostsChanged)
      dataBefore.team_members = await this.teamMembers.snapshots(manager, before.team_member_ids);
    return dataBefore;
  }

  private async requireType(manager: EntityManager, id: number): Promise<AppointmentTypeDto> {
    const type = await this.appointmentTypes.findIn(manager, id);
    if (!type) throw DomainError.invalidField('appointment_type_id', `appointment type ${id} does not exist`);
    return type;
  }

  private async find(manager: EntityManager, id: number): Promise<AppointmentEntity> {
    const appointment = await manager.findOneBy(AppointmentEntity, { id });
    if (!appointment) throw DomainError.notFound('appointment', id);
    return appointment;
  }
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

function assertPlaced(check: SlotCheck): { ok: true; hostId: number | null } {
  if (check.ok) return check;
  if (check.reason === 'appointment_type_not_published') {
    throw new DomainError(
      'appointment_type_not_published',
      'this appointment type is a draft and takes no bookings (publish it, or book with ignore_availability)',
    );
  }
  if (check.reason === 'slot_not_offered') {
    throw new DomainError(
      'slot_not_offered',
      'that start is not offered by this appointment type (grid, hours, notice, horizon or a blackout)',
    );
  }
  throw new DomainError('slot_unavailable', 'that slot is no longer available');
}

function sorted(ids: number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

function sameIds(a: number[], b: number[]): boolean {
  return (
    a.length === b.length &&
    [...a].sort((x, y) => x - y).every((id, i) => id === [...b].sort((x, y) => x - y)[i])
  );
}
