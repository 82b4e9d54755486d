import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import { DomainError } from '../common/errors/domain-error';
import { TeamMembersService } from '../team-members/team-members.service';
import { toSlotRules } from './appointment.mapper';
import {
  exceedsCandidates,
  loadMarginMs,
  localDayBounds,
  MAX_CANDIDATE_STARTS,
  slotsByDay,
} from './availability/slot-engine';
import { DAY_MS, parseLocalDate } from './availability/wall-clock';
import { BookingCalendar, LONGEST_BUFFER_MINUTES } from './booking-calendar';
import { AvailabilityDto, AvailabilityQuery, SlotDto } from './dto/availability.dto';

export const MAX_RANGE_DAYS = 62;
/** How long one request computes before it lets other requests (and `/health`) run. */
const SLICE_MS = 10;

@Injectable()
export class AvailabilityService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly calendar: BookingCalendar,
    private readonly teamMembers: TeamMembersService,
  ) {}

  async availability(typeId: number, query: AvailabilityQuery): Promise<AvailabilityDto> {
    const days = dayCount(query.start_date, query.end_date);
    const type = await this.appointmentTypes.get(typeId);
    const hostIds = await this.teamMembers.activeIds(this.dataSource.manager, type.team_member_ids);
    const rules = toSlotRules(type, hostIds);
    if (days > 0 && exceedsCandidates(rules, query.start_date, query.end_date, MAX_CANDIDATE_STARTS)) {
      throw rangeTooLarge(type.availability_increment);
    }
    const bounds = localDayBounds(type.timezone, query.start_date, query.end_date);
    const margin = loadMarginMs(rules, LONGEST_BUFFER_MINUTES);
    const busy = await this.calendar.busy(this.dataSource.manager, {
      typeId: type.id,
      hostIds,
      from: bounds.start - margin,
      to: bounds.end + margin,
    });
    const viewerZone = query.timezone ?? type.timezone;
    const slots: SlotDto[] = [];
    if (days > 0) {
      // A fine grid with many hosts is a lot of work: it runs in slices, so other requests are served meanwhile.
      let sliceStart = performance.now();
      for (const daySlots of slotsByDay(rules, query.start_date, query.end_date, busy, Date.now())) {
        for (const slot of daySlots) {
          slots.push({
            start_date: new Date(slot.start).toISOString(),
            end_date: new Date(slot.end).toISOString(),
            local_start:
              DateTime.fromMillis(slot.start, { zone: viewerZone }).toISO({ suppressMilliseconds: true }) ??
              '',
            seats_remaining: slot.seatsRemaining,
          });
        }
        if (performance.now() - sliceStart >= SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    }
    return { appointment_type_id: type.id, timezone: viewerZone, slots };
  }
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
