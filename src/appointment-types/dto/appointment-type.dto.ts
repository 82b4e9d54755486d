import { ApiProperty } from '@nestjs/swagger';
import { APPOINTMENT_TYPE_STATUSES, type AppointmentTypeStatus } from '../appointment-type.types';
import { DateOverrideDto, WeeklyAvailabilityDto } from '../../common/schedules/schedule.dto';
import { CustomerFieldDto } from './customer-field.dto';

export class AppointmentTypeDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'Intro call' }) title!: string;
  @ApiProperty({ example: 'intro-call' }) slug!: string;
  @ApiProperty({ example: '' }) description!: string;
  @ApiProperty({ enum: APPOINTMENT_TYPE_STATUSES }) status!: AppointmentTypeStatus;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone!: string;
  @ApiProperty({ example: 30 }) duration!: number;
  @ApiProperty({ example: 30 }) availability_increment!: number;
  @ApiProperty({ example: 0 }) buffer_before!: number;
  @ApiProperty({ example: 0 }) buffer_after!: number;
  @ApiProperty({ example: 0 }) min_booking_notice!: number;
  @ApiProperty({ example: null, nullable: true, type: Number }) max_booking_notice!: number | null;
  @ApiProperty({ example: 0 }) max_event_count!: number;
  @ApiProperty({ example: 1 }) capacity!: number;
  @ApiProperty({ type: WeeklyAvailabilityDto }) availability!: WeeklyAvailabilityDto;
  @ApiProperty({ type: [DateOverrideDto], description: 'sorted by date; each replaces that local date' })
  date_overrides!: DateOverrideDto[];
  @ApiProperty({ type: [Number], example: [] }) team_member_ids!: number[];
  @ApiProperty({ example: 0 }) price!: number;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ nullable: true, type: String, example: null }) web_meeting_url!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) web_meeting_password!: string | null;
  @ApiProperty({ type: [CustomerFieldDto] }) customer_fields!: CustomerFieldDto[];
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_created!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_modified!: string;
}
