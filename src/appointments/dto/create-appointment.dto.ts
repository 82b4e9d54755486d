import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsInstant, IsTimeZone, Optional } from '../../common/validation/validators';

export const BOOKABLE_STATUSES = ['booked', 'pending_payment', 'pending_form'] as const;
export type BookableStatus = (typeof BOOKABLE_STATUSES)[number];

export class CreateAppointmentDto {
  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  appointment_type_id!: number;

  @ApiProperty({ example: '2030-01-07T14:00:00.000Z', description: 'ISO 8601; any offset' })
  @IsInstant()
  start_date!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
    example: { Name: 'Nathan Tyler', Email: 'nathan@example.com', Phone: '+1 555 0100' },
    description: 'Name and Email are required; plus the type’s customer_fields by label',
  })
  @IsObject()
  customer_information!: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'America/New_York' })
  @IsOptional()
  @IsTimeZone()
  customer_timezone?: string | null;

  @ApiPropertyOptional({
    type: [Number],
    description: 'hosts; default: the free host of the type with the fewest appointments that day',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  team_member_ids?: number[];

  @ApiPropertyOptional({
    default: false,
    description: 'skip every availability rule (imports, manual overrides)',
  })
  @Optional()
  @IsBoolean()
  ignore_availability?: boolean;

  @ApiPropertyOptional({ enum: BOOKABLE_STATUSES, default: 'booked' })
  @Optional()
  @IsIn(BOOKABLE_STATUSES)
  status?: BookableStatus;

  @ApiPropertyOptional({ example: 100, description: 'default: the type’s price' })
  @Optional()
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1e9)
  price_full?: number;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'stripe' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  payment_method?: string | null;

  @ApiPropertyOptional({ example: 0 })
  @Optional()
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1e9)
  payment_received?: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'https://meet.example.com/abc',
    description: 'default: the type’s',
  })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  web_meeting_url?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'default: the type’s' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  web_meeting_password?: string | null;
}
