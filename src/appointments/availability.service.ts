import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import { DomainError } from '../common/errors/domain-error';
import { TeamMembersService } from '../team-members/team-members.service';
import { toSlotRules } from './appointment.mapper';
import { computeSlots, loadMarginMs, localDayBounds } from './availability/slot-engine';
import { DAY_MS, parseLocalDate } from './availability/wall-clock';
import { BookingCalendar, LONGEST_BUFFER_MINUTES } from './booking-calendar';
import { AvailabilityDto, AvailabilityQuery } from './dto/availability.dto';

export const MAX_RANGE_DAYS = 62;
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
    const rules = { ...toSlotRules(type), hostIds };
    const bounds = localDayBounds(type.timezone, query.start_date, query.end_date);
    const margin = loadMarginMs(rules, LONGEST_BUFFER_MINUTES);
    const busy = await this.calendar.busy(this.dataSource.manager, {
      typeId: type.id,
      hostIds,
      from: bounds.start - margin,
      to: bounds.end + margin,
    });
    const viewerZone = query.timezone ?? type.timezone;
    const slots = days > 0 ? computeSlots(rules, query.start_date, query.end_date, busy, Date.now()) : [];
    return {
      appointment_type_id: type.id,
      timezone: viewerZone,
      slots: slots.map((slot) => ({
        start_date: new Date(slot.start).toISOString(),
        end_date: new Date(slot.end).toISOString(),
        local_start:
          DateTime.fromMillis(slot.start, { zone: viewerZone }).toISO({ suppressMilliseconds: true }) ?? '',
        seats_remaining: slot.seatsRemaining,
      })),
    };
  }
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
