import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import type { AppointmentTypeDto } from '../appointment-types/dto/appointment-type.dto';
import {
  alreadyStarted,
  AppointmentsService,
  hasStarted,
  holdsSeat,
  notMovable,
  TokenAppointment,
} from '../appointments/appointments.service';
import { AvailabilityService } from '../appointments/availability.service';
import type { AvailabilityDto, AvailabilityQuery } from '../appointments/dto/availability.dto';
import { validateCustomerInformation } from '../appointments/customer-information';
import { DomainError, type FieldError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import type { PublicBookingDto } from './dto/public.dto';

/**
 * Every token lookup, found or not, answers no sooner than this after it began, so that its duration says
 * nothing about how close a guess came (index walks, comparisons): the status alone tells found from not.
 */
export const TOKEN_LOOKUP_FLOOR_MS = 40;

/**
 * What customers may do without the admin key, in terms of the admin services: the same booking rules
 * (availability always enforced), the same events and webhooks. A draft type does not exist here.
 */
@Injectable()
export class PublicBookingService {
  constructor(
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly appointments: AppointmentsService,
    private readonly availabilityService: AvailabilityService,
    private readonly config: AppConfig,
  ) {}

  async publishedType(slug: string): Promise<AppointmentTypeDto> {
    const type = await this.appointmentTypes.findBySlug(slug);
    if (!type || type.status !== 'publish') throw DomainError.notFound('appointment type', slug);
    return type;
  }

  /** A published type's slots, as JSON text (serialized in slices, see `AvailabilityService.availabilityJson`). */
  async availabilityJson(slug: string, query: AvailabilityQuery): Promise<string> {
    return this.availabilityService.availabilityJson((await this.publishedType(slug)).id, query);
  }

  /**
   * The slots of a published type the caller has already read; with `moving`, the starts that appointment may
   * be moved to (it does not take a seat from itself).
   */
  slotsOf(
    type: AppointmentTypeDto,
    query: AvailabilityQuery,
    moving?: TokenAppointment,
  ): Promise<AvailabilityDto> {
    return this.availabilityService.availability(type.id, query, moving?.appointment.id);
  }

  /** The type whose slots a customer may move an appointment to; null when it is no longer published. */
  async movableWithin(found: TokenAppointment): Promise<AppointmentTypeDto | null> {
    const type = await this.appointmentTypes.get(found.appointment.appointment_type_id);
    return type.status === 'publish' ? type : null;
  }

  /** The problems booking would find in a customer's answers to a type's fields (none: an empty list). */
  checkAnswers(type: AppointmentTypeDto, answers: Record<string, unknown>): FieldError[] {
    return validateCustomerInformation(answers, type.customer_fields).errors;
  }

  async book(slug: string, input: PublicBookingDto): Promise<{ token: string; found: TokenAppointment }> {
    const type = await this.publishedType(slug);
    const booked = await this.appointments.book({
      appointment_type_id: type.id,
      start_date: input.start_date,
      customer_information: input.customer_information,
      customer_timezone: input.customer_timezone ?? null,
    });
    const token = booked.public_edit_url.slice(booked.public_edit_url.lastIndexOf('/') + 1);
    return { token, found: await this.reread(token) };
  }

  /** The appointment of a token, or 404; takes at least TOKEN_LOOKUP_FLOOR_MS either way. */
  async byToken(token: string): Promise<TokenAppointment> {
    const started = Date.now();
    let found: TokenAppointment | null;
    try {
      found = await this.appointments.findByToken(token);
    } finally {
      const left = started + TOKEN_LOOKUP_FLOOR_MS - Date.now();
      if (left > 0) await sleep(left);
    }
    return linked(found);
  }

  /**
   * The starts a customer may move the appointment to: its type's slots as if it were not booked, its own
   * time and those overlapping it included (a move does not compete with itself). 409 once it holds no seat
   * (canceled, abandoned), 422 once its type no longer takes bookings online, as a move would answer.
   */
  async moveOptionsJson(token: string, query: AvailabilityQuery): Promise<string> {
    const found = await this.byToken(token);
    if (!holdsSeat(found.appointment)) throw notMovable(found.appointment.status);
    if (hasStarted(found.appointment)) throw alreadyStarted(found.appointment.start_date);
    const type = await this.movableWithin(found);
    if (type === null) throw noLongerOnline();
    return this.availabilityService.availabilityJson(type.id, query, found.appointment.id);
  }

  /**
   * Moves the appointment to an offered start: 422 slot_not_offered otherwise, 409 when taken, or when the
   * appointment holds no seat (canceled, abandoned) whatever start is asked.
   */
  async reschedule(token: string, startDate: string): Promise<TokenAppointment> {
    const found = await this.byToken(token);
    // As moveOptions answers: an appointment that holds no seat first (its move checks again, in its transaction).
    if (!holdsSeat(found.appointment)) throw notMovable(found.appointment.status);
    if (hasStarted(found.appointment)) throw alreadyStarted(found.appointment.start_date);
    if ((await this.movableWithin(found)) === null) throw noLongerOnline();
    const moved = await this.appointments.changeByToken(found.appointment.id, token, {
      start_date: startDate,
    });
    return linked(moved);
  }

  /**
   * Cancels; canceling again changes nothing, and an appointment that has begun is not canceled (409
   * appointment_started, checked under the appointment's lock: see AppointmentsService.update).
   */
  async cancel(token: string): Promise<TokenAppointment> {
    const found = await this.byToken(token);
    return linked(await this.appointments.changeByToken(found.appointment.id, token, { status: 'canceled' }));
  }

  /** A token that was just found: no need to hide how long reading it again takes. */
  private async reread(token: string): Promise<TokenAppointment> {
    return linked(await this.appointments.findByToken(token));
  }

  get siteUrl(): string {
    return this.config.siteUrl;
  }
}

function noLongerOnline(): DomainError {
  return new DomainError('slot_not_offered', 'this appointment type no longer takes bookings online');
}

/** The appointment of a token, or 404. */
function linked(found: TokenAppointment | null): TokenAppointment {
  if (!found) throw new DomainError('not_found', 'no appointment has that link');
  return found;
}
