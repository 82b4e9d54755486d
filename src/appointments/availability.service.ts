import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import { DomainError } from '../common/errors/domain-error';
import { TeamMembersService } from '../team-members/team-members.service';
import { toSlotRules } from './appointment.mapper';
import {
  exceedsCandidates,
  loadMarginMs,
  localDayBounds,
  MAX_CANDIDATE_STARTS,
  type Slot,
  slotBatches,
} from './availability/slot-engine';
import { movable } from './availability/move-calendars';
import { DAY_MS, MINUTE_MS, parseLocalDate } from './availability/wall-clock';
import { type SlotFormat, slotFormat } from './availability/slot-format';
import { AppointmentsRepository, LONGEST_BUFFER_MINUTES } from './appointments.repository';
import { ScheduleInputs } from './schedule-inputs';
import { AvailabilityDto, AvailabilityQuery, SlotDto } from './dto/availability.dto';

export const MAX_RANGE_DAYS = 62;
/** How long one request computes before it lets other requests (and `/health`) run. */
const SLICE_MS = 4;
/** Candidate starts per engine step: with 100 hosts a step is a few milliseconds. */
const BATCH_SIZE = 50;

@Injectable()
export class AvailabilityService {
  constructor(
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly appointments: AppointmentsRepository,
    private readonly teamMembers: TeamMembersService,
    private readonly schedules: ScheduleInputs,
  ) {}

  /**
   * The bookable starts of a type; with `movingId`, the starts that appointment may be moved to, as its move
   * is placed (see `AppointmentPlacement`): it does not compete with itself, and its hosts (as stored, each
   * asked alone) stay where they are all free. On a type with hosts, a start is offered when one of the type's
   * hosts can take it, or all of the appointment's own hosts can (they may not be, or no longer be, the
   * type's); on a type without hosts, when the type's calendar has room and the hosts an admin named on the
   * appointment are all free.
   */
  async availability(typeId: number, query: AvailabilityQuery, movingId?: number): Promise<AvailabilityDto> {
    const { header, batches, format } = await this.slots(typeId, query, await this.moving(movingId));
    const slots: SlotDto[] = [];
    for await (const batch of batches) for (const slot of batch) slots.push(format.dto(slot));
    return { ...header, slots };
  }

  /**
   * {@link availability} as JSON text, serialized batch by batch: a large answer is not one long block either.
   * Each slot is written as text directly (the same bytes JSON.stringify gives its DTO: no value needs escaping).
   */
  async availabilityJson(typeId: number, query: AvailabilityQuery, movingId?: number): Promise<string> {
    const { header, batches, format } = await this.slots(typeId, query, await this.moving(movingId));
    const parts: string[] = [];
    for await (const batch of batches) for (const slot of batch) parts.push(format.json(slot));
    const head = JSON.stringify({ ...header, slots: [] });
    return `${head.slice(0, -'[]}'.length)}[${parts.join(',')}]}`;
  }

  /** The appointment being moved, its hosts as its move is placed: those stored that still exist. */
  private async moving(id: number | undefined): Promise<MovingAppointment | undefined> {
    if (id === undefined) return undefined;
    const appointment = await this.appointments.findById(id);
    return { id, hostIds: await this.teamMembers.existingIds(appointment?.team_member_ids ?? []) };
  }

  private async slots(
    typeId: number,
    query: AvailabilityQuery,
    moving?: MovingAppointment,
  ): Promise<{
    header: Omit<AvailabilityDto, 'slots'>;
    batches: AsyncGenerator<Slot[]>;
    format: SlotFormat;
  }> {
    const days = dayCount(query.start_date, query.end_date);
    const type = await this.appointmentTypes.get(typeId);
    const hostIds = await this.teamMembers.activeIds(type.team_member_ids);
    const weekly = toSlotRules(type, hostIds);
    if (days > 0 && exceedsCandidates(weekly, query.start_date, query.end_date, MAX_CANDIDATE_STARTS)) {
      throw rangeTooLarge(type.availability_increment);
    }
    const bounds = localDayBounds(type.timezone, query.start_date, query.end_date);
    // A move keeps its own hosts where they are all free: each is a calendar of its own to ask, unless they are
    // all the type's (wherever all of them are free, one of the type's is).
    const ownHosts = moving?.hostIds ?? [];
    const ownCalendars =
      ownHosts.length > 0 && (hostIds.length === 0 || ownHosts.some((id) => !hostIds.includes(id)));
    const allHosts = ownCalendars ? [...new Set([...hostIds, ...ownHosts])] : hostIds;
    // A candidate of the last day may end up to one duration after the range.
    const schedules = await this.schedules.load({
      typeId: type.id,
      hostIds: allHosts,
      from: bounds.start,
      to: bounds.end + type.duration * MINUTE_MS,
    });
    const rules = toSlotRules(type, hostIds, schedules);
    const margin = loadMarginMs(rules, LONGEST_BUFFER_MINUTES);
    // One read for every calendar asked: appointments another one needs are harmless to the rest.
    const busy = await this.appointments.cachedBusy({
      typeId: type.id,
      hostIds: allHosts,
      from: bounds.start - margin,
      to: bounds.end + margin,
    });
    const now = Date.now();
    const { start_date: from, end_date: to } = query;
    // The starts of one calendar: the type's hosts (or none: the type's own), or one host of the appointment's.
    const calendar = (scope: number[]): Iterable<Slot[]> =>
      slotBatches({ ...rules, hostIds: scope }, from, to, busy, now, BATCH_SIZE, {
        ignoreAppointmentId: moving?.id,
      });
    const engine = ownCalendars
      ? movable(
          calendar(hostIds),
          ownHosts.map((id) => calendar([id])),
          hostIds.length === 0,
          BATCH_SIZE,
        )
      : calendar(hostIds);
    const viewerZone = query.timezone ?? type.timezone;
    return {
      header: { appointment_type_id: type.id, timezone: viewerZone },
      batches: sliced(engine),
      format: slotFormat(viewerZone),
    };
  }
}

/**
 * A fine grid with many hosts is a lot of work: it runs in slices (the caller's work on each batch included), so
 * that other requests are served meanwhile.
 */
async function* sliced(engine: Iterable<Slot[]>): AsyncGenerator<Slot[]> {
  let sliceStart = performance.now();
  for (const batch of engine) {
    yield batch;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
}

/** An appointment being moved: it does not compete with itself, and keeps its hosts where it can. */
interface MovingAppointment {
  id: number;
  hostIds: readonly number[];
}

function rangeTooLarge(increment: number): DomainError {
  const message =
    `the range holds more than ${MAX_CANDIDATE_STARTS} candidate starts on this type's ` +
    `${increment}-minute grid; ask for fewer days at a time`;
  return new DomainError('availability_range_too_large', `start_date, end_date: ${message}`, [
    { field: 'start_date', message },
    { field: 'end_date', message },
  ]);
}

function dayCount(startDate: string, endDate: string): number {
  let from: number;
  let to: number;
  try {
    from = parseLocalDate(startDate);
  } catch {
    throw DomainError.invalidField('start_date', 'is not a calendar date');
  }
  try {
    to = parseLocalDate(endDate);
  } catch {
    throw DomainError.invalidField('end_date', 'is not a calendar date');
  }
  if (to < from) throw DomainError.invalidField('end_date', 'must not be before start_date');
  const days = (to - from) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS)
    throw DomainError.invalidField('end_date', `the range may span at most ${MAX_RANGE_DAYS} days`);
  return days;
}
