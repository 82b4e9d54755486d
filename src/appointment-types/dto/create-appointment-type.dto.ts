import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsTimeZone, Optional, Satisfies } from '../../common/validation/validators';
import { APPOINTMENT_TYPE_STATUSES, type AppointmentTypeStatus } from '../appointment-type.types';
import { WeeklyAvailabilityDto } from './availability.dto';
import { CustomerFieldDto, uniqueLabels } from './customer-field.dto';

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MINUTES_IN_A_YEAR = 525600;

export class CreateAppointmentTypeDto {
  @ApiProperty({ example: 'Intro call', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiPropertyOptional({ example: 'intro-call', description: 'Unique; generated from the title when absent' })
  @Optional()
  @IsString()
  @MaxLength(200)
  @Matches(SLUG_PATTERN, { message: 'must be lowercase letters, digits and single hyphens (intro-call)' })
  slug?: string;

  @ApiPropertyOptional({ example: 'A 30-minute call to get to know each other' })
  @Optional()
  @IsString()
  @MaxLength(10000)
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
  @IsInt()
  @Min(5)
  @Max(1440)
  duration!: number;

  @ApiPropertyOptional({
    example: 30,
    minimum: 1,
    maximum: 1440,
    description: 'minutes between starts; default the duration',
  })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(1440)
  availability_increment?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: 1440, description: 'minutes kept free before' })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(1440)
  buffer_before?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: 1440, description: 'minutes kept free after' })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(1440)
  buffer_after?: number;

  @ApiPropertyOptional({
    example: 60,
    minimum: 0,
    description: 'minutes between now and the earliest bookable start',
  })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(MINUTES_IN_A_YEAR)
  min_booking_notice?: number;

  @ApiPropertyOptional({
    type: Number,
    example: 86400,
    minimum: 0,
    nullable: true,
    description: 'minutes between now and the latest bookable start; null = no limit',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10 * MINUTES_IN_A_YEAR)
  max_booking_notice?: number | null;

  @ApiPropertyOptional({ example: 0, minimum: 0, description: 'appointments per local day; 0 = no cap' })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(10000)
  max_event_count?: number;

  @ApiPropertyOptional({ example: 1, minimum: 1, description: 'seats per slot' })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(10000)
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

  @ApiPropertyOptional({ type: [Number], example: [], description: 'hosts; empty = no team' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  team_member_ids?: number[];

  @ApiPropertyOptional({ example: 0, minimum: 0 })
  @Optional()
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1e9)
  price?: number;

  @ApiPropertyOptional({ example: 'USD', pattern: '^[A-Z]{3}$' })
  @Optional()
  @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as USD' })
  currency?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://meet.example.com/intro' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  web_meeting_url?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'secret' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  web_meeting_password?: string | null;

  @ApiPropertyOptional({
    type: [CustomerFieldDto],
    description: 'Asked of the customer besides Name and Email',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CustomerFieldDto)
  @Satisfies(uniqueLabels)
  customer_fields?: CustomerFieldDto[];
}
