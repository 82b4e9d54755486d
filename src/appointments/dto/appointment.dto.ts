import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ScheduleConflict } from '../availability/slot-engine';
import { APPOINTMENT_STATUSES, type AppointmentStatus } from '../events/appointment-snapshot';

export const SCHEDULE_CONFLICTS = [
  'outside_type_hours',
  'blackout',
  'outside_host_hours',
  'host_blackout',
] as const satisfies readonly ScheduleConflict[];

export class AppointmentDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 1 }) appointment_type_id!: number;
  @ApiProperty({ example: 1 }) customer_id!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
    example: { Name: 'Nathan Tyler', Email: 'nathan@example.com' },
  })
  customer_information!: Record<string, string | number | boolean>;
  @ApiProperty({ example: 'America/New_York', nullable: true, type: String }) customer_timezone!:
    string | null;
  @ApiProperty({ example: '2030-01-07T14:00:00.000Z' }) start_date!: string;
  @ApiProperty({ example: '2030-01-07T14:30:00.000Z' }) end_date!: string;
  @ApiProperty({ enum: APPOINTMENT_STATUSES }) status!: AppointmentStatus;
  @ApiProperty({ type: [Number], example: [] }) team_member_ids!: number[];
  @ApiProperty({ example: 0 }) price_full!: number;
  @ApiProperty({ example: null, nullable: true, type: String }) payment_method!: string | null;
  @ApiProperty({ example: 0 }) payment_received!: number;
  @ApiProperty({ nullable: true, type: String, example: null }) web_meeting_url!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) web_meeting_password!: string | null;
  @ApiProperty({ example: 'https://booking.example.com/appointments/change/3q2-…' }) public_edit_url!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_created!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_modified!: string;
  @ApiPropertyOptional({
    enum: SCHEDULE_CONFLICTS,
    description:
      'Only in `?conflicts=true` lists: why the appointment no longer fits its schedule (outside the ' +
      "type's hours, a site or type blackout, outside a host's own hours, a host's blackout)",
  })
  schedule_conflict?: ScheduleConflict;
}
