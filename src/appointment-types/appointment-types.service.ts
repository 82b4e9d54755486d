import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { Page, page, PageQueryDto } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { isForeignKeyViolation, isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { TeamMembersService } from '../team-members/team-members.service';
import { AppointmentTypeEntity } from './appointment-type.entity';
import { toAppointmentTypeDto, toAppointmentTypeSnapshot } from './appointment-type.mapper';
import { AppointmentTypesRepository } from './appointment-types.repository';
import { storedOverrides } from '../common/schedules/stored-overrides';
import type { WeeklyAvailability } from './appointment-type.types';
import { AppointmentTypeDto } from './dto/appointment-type.dto';
import { CreateAppointmentTypeDto } from './dto/create-appointment-type.dto';
import { UpdateAppointmentTypeDto } from './dto/update-appointment-type.dto';
import { AppointmentTypeCreatedEvent } from './events/appointment-type-created.event';
import { AppointmentTypeDeletedEvent } from './events/appointment-type-deleted.event';
import { AppointmentTypeUpdatedEvent } from './events/appointment-type-updated.event';

const WORKING_WEEK: WeeklyAvailability = Object.fromEntries(
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [
    day,
    [{ start: '09:00', end: '17:00' }],
  ]),
);

@Injectable()
export class AppointmentTypesService {
  private readonly logger = new Logger(AppointmentTypesService.name);

  constructor(
    private readonly types: AppointmentTypesRepository,
    private readonly transactions: Transactions,
    private readonly config: AppConfig,
    private readonly teamMembers: TeamMembersService,
  ) {}

  async list(query: PageQueryDto): Promise<Page<AppointmentTypeDto>> {
    const [rows, total] = await this.types.page(query.limit, query.offset);
    return page(rows.map(toAppointmentTypeDto), total, query);
  }

  async get(id: number): Promise<AppointmentTypeDto> {
    return toAppointmentTypeDto(await this.find(id));
  }

  async create(input: CreateAppointmentTypeDto): Promise<AppointmentTypeDto> {
    const overrides = (await storedOverrides(input.date_overrides)) ?? [];
    return this.uniqueSlug(() =>
      this.transactions.run(async (tx) => {
        const now = Date.now();
        const type = this.types.create({
          title: input.title.trim(),
          slug: input.slug ?? (await this.freeSlug(input.title)),
          description: input.description ?? '',
          status: input.status ?? 'publish',
          timezone: input.timezone ?? this.config.defaultTimezone,
          duration: input.duration,
          availability_increment: input.availability_increment ?? input.duration,
          buffer_before: input.buffer_before ?? 0,
          buffer_after: input.buffer_after ?? 0,
          min_booking_notice: input.min_booking_notice ?? 0,
          max_booking_notice: input.max_booking_notice ?? null,
          max_event_count: input.max_event_count ?? 0,
          capacity: input.capacity ?? 1,
          availability: input.availability ? plainAvailability(input.availability) : WORKING_WEEK,
          date_overrides: overrides,
          team_member_ids: input.team_member_ids ?? [],
          price: input.price ?? 0,
          currency: input.currency ?? 'USD',
          web_meeting_url: input.web_meeting_url ?? null,
          web_meeting_password: input.web_meeting_password ?? null,
          customer_fields: (input.customer_fields ?? []).map((field) => ({
            ...field,
            label: field.label.trim(),
          })),
          date_created: now,
          date_modified: now,
        });
        if (input.slug !== undefined) await this.assertSlugFree(input.slug);
        await this.teamMembers.assertExist(type.team_member_ids, 'team_member_ids');
        const saved = await this.types.insert(type);
        await tx.publish(
          new AppointmentTypeCreatedEvent({ appointment_type: toAppointmentTypeSnapshot(saved) }),
        );
        return toAppointmentTypeDto(saved);
      }),
    );
  }

  async update(id: number, input: UpdateAppointmentTypeDto): Promise<AppointmentTypeDto> {
    const overrides = await storedOverrides(input.date_overrides);
    return this.uniqueSlug(() =>
      this.transactions.run(async (tx) => {
        // The hosts' rows first (a key-share lock on PostgreSQL), then the type's booking lock: the order a
        // member's update or delete takes them in (its row, then its booking lock). The other way round, with a
        // booking waiting between them for the type's lock, the three waited for each other (a deadlock, 500s).
        if (input.team_member_ids !== undefined) {
          await this.find(id); // A type that does not exist is a 404 before its hosts are looked at.
          await this.teamMembers.assertExist(input.team_member_ids, 'team_member_ids');
        }
        await tx.lockKeys([`type:${id}`]);
        const type = await this.find(id);
        const before = JSON.stringify(toAppointmentTypeDto(type));
        if (input.slug !== undefined && input.slug !== type.slug) await this.assertSlugFree(input.slug);
        // date_overrides left out of `rest`: their stored form (`overrides`) was made before the transaction.
        const { availability, customer_fields, date_overrides: _overrides, title, ...rest } = input;
        Object.assign(type, rest);
        if (title !== undefined) type.title = title.trim();
        if (availability !== undefined) type.availability = plainAvailability(availability);
        if (overrides !== undefined) type.date_overrides = overrides;
        if (customer_fields !== undefined) {
          type.customer_fields = customer_fields.map((field) => ({ ...field, label: field.label.trim() }));
        }
        if (JSON.stringify(toAppointmentTypeDto(type)) === before) return toAppointmentTypeDto(type);
        type.date_modified = Date.now();
        await this.types.update(type);
        await tx.publish(
          new AppointmentTypeUpdatedEvent({ appointment_type: toAppointmentTypeSnapshot(type) }),
        );
        return toAppointmentTypeDto(type);
      }),
    );
  }

  async remove(id: number): Promise<void> {
    try {
      await this.transactions.run(async (tx) => {
        // Waits for the bookings of the type in flight (they hold this lock until they commit); a booking
        // that waited for the delete instead finds the type gone once it has the lock (see Placement).
        await tx.lockKeys([`type:${id}`]);
        const type = await this.find(id);
        const snapshot = toAppointmentTypeSnapshot(type);
        await this.types.delete(id);
        await tx.publish(new AppointmentTypeDeletedEvent({ appointment_type: snapshot }));
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new DomainError(
          'appointment_type_in_use',
          `appointment type ${id} has appointments; set its status to draft to stop new bookings instead`,
        );
      }
      throw error;
    }
  }

  /**
   * Drops a deleted team member from the hosts of every type that names it, each change an
   * `appointment_type.updated`. Nothing to do when no type names it, so a replayed event is harmless.
   */
  async removeTeamMember(teamMemberId: number): Promise<void> {
    await this.transactions.run(async (tx) => {
      const ids = await this.types.idsMaybeNaming(teamMemberId);
      await tx.lockKeys(ids.map((id) => `type:${id}`));
      for (const id of ids) {
        const type = await this.types.findById(id);
        if (!type?.team_member_ids.includes(teamMemberId)) continue;
        type.team_member_ids = type.team_member_ids.filter((member) => member !== teamMemberId);
        // Its last host gone, a type is taken off sale, as its hosts all inactive would leave it offering
        // nothing: without a host it would become a host-less type, open at all its own hours.
        if (type.team_member_ids.length === 0 && type.status === 'publish') {
          type.status = 'draft';
          this.logger.warn({
            msg: 'appointment type set to draft: its last host was deleted',
            appointment_type_id: type.id,
            team_member_id: teamMemberId,
          });
        }
        type.date_modified = Date.now();
        await this.types.update(type);
        await tx.publish(
          new AppointmentTypeUpdatedEvent({ appointment_type: toAppointmentTypeSnapshot(type) }),
        );
      }
    });
  }

  /** Refuses, naming `field`, ids of types that do not exist (another module's reference to types). */
  async assertExist(ids: number[], field: string): Promise<void> {
    if (ids.length === 0) return;
    const found = new Set(await this.types.existingIds(ids));
    const missing = [...new Set(ids)].filter((id) => !found.has(id)).sort((a, b) => a - b);
    if (missing.length > 0)
      throw DomainError.invalidField(field, `unknown appointment type id(s): ${missing.join(', ')}`);
  }

  /** Whether the type still exists; in the caller's transaction when there is one. */
  exists(id: number): Promise<boolean> {
    return this.types.exists(id);
  }

  /** The type with that slug (any status), or null: the public booking page finds its type by slug. */
  async findBySlug(slug: string): Promise<AppointmentTypeDto | null> {
    const type = await this.types.findBySlug(slug);
    return type ? toAppointmentTypeDto(type) : null;
  }

  /** The type, or null; inside a transaction (booking reads the type in its own) it reads in it. */
  async findById(id: number): Promise<AppointmentTypeDto | null> {
    const type = await this.types.readById(id);
    return type ? toAppointmentTypeDto(type) : null;
  }

  private async find(id: number): Promise<AppointmentTypeEntity> {
    const type = await this.types.findById(id);
    if (!type) throw DomainError.notFound('appointment type', id);
    return type;
  }

  private async assertSlugFree(slug: string): Promise<void> {
    if (await this.types.slugUsed(slug)) throw slugTaken(slug);
  }

  /** `intro-call`, or `intro-call-2`, `-3`… when the title's slug is taken. */
  private async freeSlug(title: string): Promise<string> {
    const base = slugify(title);
    for (let n = 1; ; n += 1) {
      const candidate = n === 1 ? base : `${base.slice(0, 190)}-${n}`;
      if (!(await this.types.slugUsed(candidate))) return candidate;
    }
  }

  /** Two writers may pass the check at once on PostgreSQL; the unique index decides. */
  private async uniqueSlug<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw slugTaken();
      throw error;
    }
  }
}

function slugTaken(slug?: string): DomainError {
  const what = slug === undefined ? '' : `"${slug}" `;
  return DomainError.invalidField('slug', `${what}is already used by another appointment type`, 'slug_taken');
}

export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 180)
    .replace(/-+$/, '');
  return slug === '' ? 'appointment' : slug;
}

/** Strips class instances (DTOs) down to the stored JSON shape, keeping only days that were given. */
function plainAvailability(availability: object): WeeklyAvailability {
  return JSON.parse(JSON.stringify(availability)) as WeeklyAvailability;
}
