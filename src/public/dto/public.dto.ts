import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';
import { CustomerFieldDto } from '../../appointment-types/dto/customer-field.dto';
import { IsInstant, IsTimeZone } from '../../common/validation/validators';

/** What a booking page may show of a published type: no hosts' emails, no meeting link or password. */
export class PublicAppointmentTypeDto {
  @ApiProperty({ example: 'intro-call' }) slug!: string;
  @ApiProperty({ example: 'Intro call' }) title!: string;
  @ApiProperty({ example: '' }) description!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone!: string;
  @ApiProperty({ example: 30, description: 'minutes' }) duration!: number;
  @ApiProperty({ example: 0 }) price!: number;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ type: [CustomerFieldDto], description: 'besides Name and Email, which are always asked' })
  customer_fields!: CustomerFieldDto[];
  @ApiProperty({ example: 'https://booking.example.com/book/intro-call' }) booking_url!: string;
}

export class PublicBookingDto {
  @ApiProperty({ example: '2030-01-07T09:00:00.000Z', description: 'an offered start (see availability)' })
  @IsInstant()
  start_date!: string;

  @ApiProperty({
    example: { Name: 'Nathan Tyler', Email: 'nathan@example.com' },
    description: 'Name and Email, plus the type’s customer_fields by label',
  })
  @IsObject()
  customer_information!: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, example: 'America/New_York', nullable: true })
  @IsOptional()
  @IsTimeZone()
  customer_timezone?: string | null;
}

export class PublicRescheduleDto {
  @ApiProperty({ example: '2030-01-09T13:00:00.000Z', description: 'an offered start (see availability)' })
  @IsInstant()
  start_date!: string;
}

export class PublicHostDto {
  @ApiProperty({ example: 'Dr. Ann' }) display_name!: string;
}

export class PublicAppointmentTypeRefDto {
  @ApiProperty({ example: 'intro-call' }) slug!: string;
  @ApiProperty({ example: 'Intro call' }) title!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone!: string;
}

/** The customer's own appointment, as its secret token shows it. */
export class PublicAppointmentDto {
  @ApiProperty({ description: 'the secret of public_edit_url and of these routes' }) token!: string;
  @ApiProperty({ enum: ['booked', 'pending_payment', 'pending_form', 'canceled', 'abandoned'] })
  status!: string;
  @ApiProperty({ example: '2030-01-07T14:00:00.000Z' }) start_date!: string;
  @ApiProperty({ example: '2030-01-07T14:30:00.000Z' }) end_date!: string;
  @ApiProperty({ nullable: true, type: String, example: 'America/New_York' })
  customer_timezone!: string | null;
  @ApiProperty({ example: { Name: 'Nathan Tyler', Email: 'nathan@example.com' } })
  customer_information!: Record<string, string | number | boolean>;
  @ApiProperty({ type: PublicAppointmentTypeRefDto }) appointment_type!: PublicAppointmentTypeRefDto;
  @ApiProperty({ type: [PublicHostDto] }) team_members!: PublicHostDto[];
  @ApiProperty({ nullable: true, type: String }) web_meeting_url!: string | null;
  @ApiProperty({ nullable: true, type: String }) web_meeting_password!: string | null;
  @ApiProperty({ example: 'https://booking.example.com/appointments/change/…' }) public_edit_url!: string;
  @ApiProperty({ example: 'https://booking.example.com/api/v1/public/appointments/…/calendar.ics' })
  calendar_url!: string;
  @ApiProperty() date_created!: string;
  @ApiProperty() date_modified!: string;
}
