import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import {
  IsHttpUrl,
  IsIdList,
  IsInstant,
  IsMoney,
  IsPositiveId,
  IsText,
  IsTimeZone,
  MAX_AMOUNT,
  MAX_URL_LENGTH,
  Optional,
  Satisfies,
  wellFormed,
} from '../../common/validation/validators';

export const BOOKABLE_STATUSES = ['booked', 'pending_payment', 'pending_form'] as const;
export type BookableStatus = (typeof BOOKABLE_STATUSES)[number];
export const MAX_APPOINTMENT_HOSTS = 20;
/** Name, Email and at most 50 custom fields. */
const MAX_ANSWERS = 52;

/** The answers are checked against the type's fields later; here only their shape and size. */
function answers(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object of answers by field label';
  const labels = Object.keys(value);
  if (labels.length > MAX_ANSWERS) return `must hold at most ${MAX_ANSWERS} answers`;
  const malformed = labels.find((label) => !wellFormed(label));
  return malformed === undefined ? null : 'has a label that is not valid Unicode text';
}

const MONEY = {
  minimum: 0,
  maximum: MAX_AMOUNT,
  multipleOf: 0.01,
};

export class CreateAppointmentDto {
  @ApiProperty({ example: 1, minimum: 1 })
  @IsPositiveId()
  appointment_type_id!: number;

  @ApiProperty({
    example: '2030-01-07T08:30:00.000Z',
    description: 'ISO 8601; any offset (the example is an offered start of the README walkthrough’s type)',
  })
  @IsInstant()
  start_date!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
    example: { Name: 'Nathan Tyler', Email: 'nathan@example.com' },
    description: `Name and Email are required; plus the type’s customer_fields by label (at most ${MAX_ANSWERS} answers)`,
  })
  @Satisfies(answers)
  customer_information!: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'America/New_York' })
  @IsOptional()
  @IsTimeZone()
  customer_timezone?: string | null;

  @ApiPropertyOptional({
    type: [Number],
    example: [1],
    maxItems: MAX_APPOINTMENT_HOSTS,
    uniqueItems: true,
    description: 'hosts; default: the free host of the type with the fewest appointments that day',
  })
  @Optional()
  @IsIdList(MAX_APPOINTMENT_HOSTS)
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

  @ApiPropertyOptional({
    example: 100,
    ...MONEY,
    description: 'default: the type’s price; at most 2 decimals',
  })
  @Optional()
  @IsMoney()
  price_full?: number;

  @ApiPropertyOptional({ type: String, example: 'stripe', nullable: true, maxLength: 50 })
  @IsOptional()
  @IsText(0, 50)
  payment_method?: string | null;

  @ApiPropertyOptional({ example: 0, ...MONEY, description: 'at most 2 decimals' })
  @Optional()
  @IsMoney()
  payment_received?: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'https://meet.example.com/abc',
    maxLength: MAX_URL_LENGTH,
    description: 'default: the type’s; http or https, no control characters',
  })
  @IsOptional()
  @IsHttpUrl()
  web_meeting_url?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 200,
    example: null,
    description: 'default: the type’s',
  })
  @IsOptional()
  @IsText(0, 200)
  web_meeting_password?: string | null;
}
