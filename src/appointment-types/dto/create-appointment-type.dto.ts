import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, ValidateNested } from 'class-validator';
import {
  IsCurrencyCode,
  IsHttpUrl,
  IsIdList,
  IsIntegerIn,
  IsMoney,
  IsText,
  IsTimeZone,
  matching,
  MAX_AMOUNT,
  MAX_URL_LENGTH,
  objectList,
  Optional,
  Satisfies,
  text,
  Trimmed,
} from '../../common/validation/validators';
import { APPOINTMENT_TYPE_STATUSES, type AppointmentTypeStatus } from '../appointment-type.types';
import {
  DateOverrideDto,
  DateOverridesField,
  WeeklyAvailabilityDto,
} from '../../common/schedules/schedule.dto';
import { CustomerFieldDto, MAX_CUSTOMER_FIELDS, uniqueLabels } from './customer-field.dto';

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MINUTES_IN_A_YEAR = 525600;
export const MAX_HOSTS = 100;

export class CreateAppointmentTypeDto {
  @ApiProperty({ example: 'Intro call', maxLength: 200 })
  @Trimmed()
  @IsText(1, 200)
  title!: string;

  @ApiPropertyOptional({
    example: 'intro-call',
    maxLength: 200,
    pattern: SLUG_PATTERN.source,
    description: 'Unique; generated from the title when absent',
  })
  @Optional()
  @Satisfies(
    text(1, 200),
    matching(SLUG_PATTERN, 'must be lowercase letters, digits and single hyphens (intro-call)'),
  )
  slug?: string;

  @ApiPropertyOptional({ example: 'A 30-minute call to get to know each other', maxLength: 10000 })
  @Optional()
  @IsText(0, 10000)
  description?: string;

  @ApiPropertyOptional({ enum: APPOINTMENT_TYPE_STATUSES, default: 'publish' })
  @Optional()
  @IsIn(APPOINTMENT_TYPE_STATUSES)
  status?: AppointmentTypeStatus;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: 'IANA time zone; default DEFAULT_TIMEZONE' })
  @Optional()
  @IsTimeZone()
  timezone?: string;

  @ApiProperty({ example: 30, minimum: 5, maximum: 1440, description: 'minutes' })
  @IsIntegerIn(5, 1440)
  duration!: number;

  @ApiPropertyOptional({
    example: 30,
    minimum: 1,
    maximum: 1440,
    description: 'minutes between starts; default the duration',
  })
  @Optional()
  @IsIntegerIn(1, 1440)
  availability_increment?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: 1440, description: 'minutes kept free before' })
  @Optional()
  @IsIntegerIn(0, 1440)
  buffer_before?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: 1440, description: 'minutes kept free after' })
  @Optional()
  @IsIntegerIn(0, 1440)
  buffer_after?: number;

  @ApiPropertyOptional({
    example: 60,
    minimum: 0,
    maximum: MINUTES_IN_A_YEAR,
    description: 'minutes between now and the earliest bookable start',
  })
  @Optional()
  @IsIntegerIn(0, MINUTES_IN_A_YEAR)
  min_booking_notice?: number;

  @ApiPropertyOptional({
    type: Number,
    example: 86400,
    minimum: 0,
    maximum: 10 * MINUTES_IN_A_YEAR,
    nullable: true,
    description: 'minutes between now and the latest bookable start; null = no limit',
  })
  @IsOptional()
  @IsIntegerIn(0, 10 * MINUTES_IN_A_YEAR)
  max_booking_notice?: number | null;

  @ApiPropertyOptional({
    example: 0,
    minimum: 0,
    maximum: 10000,
    description: 'appointments per local day; 0 = no cap',
  })
  @Optional()
  @IsIntegerIn(0, 10000)
  max_event_count?: number;

  @ApiPropertyOptional({
    example: 1,
    minimum: 1,
    maximum: 10000,
    description:
      'seats per slot and resource: per free host when the type has hosts (4 hosts with capacity 3 take ' +
      '12 bookings at one start), for the type as a whole when it has none',
  })
  @Optional()
  @IsIntegerIn(1, 10000)
  capacity?: number;

  @ApiPropertyOptional({
    type: WeeklyAvailabilityDto,
    example: {
      monday: [
        { start: '09:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ],
    },
    description: 'Weekly windows in the type time zone; default Monday to Friday 09:00-17:00',
  })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => WeeklyAvailabilityDto)
  availability?: WeeklyAvailabilityDto;

  @DateOverridesField(
    "Local dates (type's time zone) whose windows replace the weekly ones; windows [] closes the day. " +
      'One per date; replaced whole on update; default none',
  )
  date_overrides?: DateOverrideDto[];

  @ApiPropertyOptional({
    type: [Number],
    example: [],
    maxItems: MAX_HOSTS,
    uniqueItems: true,
    description: 'hosts; empty = no team',
  })
  @Optional()
  @IsIdList(MAX_HOSTS)
  team_member_ids?: number[];

  @ApiPropertyOptional({
    example: 0,
    minimum: 0,
    maximum: MAX_AMOUNT,
    multipleOf: 0.01,
    description: 'at most 2 decimals',
  })
  @Optional()
  @IsMoney()
  price?: number;

  @ApiPropertyOptional({
    example: 'USD',
    pattern: '^[A-Z]{3}$',
    default: 'USD',
    description: 'ISO 4217 code, uppercase: one of those the runtime can format (Intl.supportedValuesOf)',
  })
  @Optional()
  @IsCurrencyCode()
  currency?: string;

  @ApiPropertyOptional({
    type: String,
    example: 'https://meet.example.com/intro',
    nullable: true,
    maxLength: MAX_URL_LENGTH,
    description: 'http or https; no control characters',
  })
  @IsOptional()
  @IsHttpUrl()
  web_meeting_url?: string | null;

  @ApiPropertyOptional({ type: String, example: 'secret', nullable: true, maxLength: 200 })
  @IsOptional()
  @IsText(0, 200)
  web_meeting_password?: string | null;

  @ApiPropertyOptional({
    type: [CustomerFieldDto],
    maxItems: MAX_CUSTOMER_FIELDS,
    description: 'Asked of the customer besides Name and Email',
  })
  @Optional()
  @ValidateNested({ each: true })
  @Type(() => CustomerFieldDto)
  @Satisfies(objectList(MAX_CUSTOMER_FIELDS), uniqueLabels)
  customer_fields?: CustomerFieldDto[];
}
