import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import {
  absoluteUrl,
  choiceList,
  IsIdList,
  IsText,
  MAX_URL_LENGTH,
  Optional,
  Satisfies,
} from '../../common/validation/validators';
import { WEBHOOK_TRIGGERS, type WebhookTrigger } from '../webhook.types';

export const MAX_WEBHOOK_APPOINTMENT_TYPES = 1000;

export class CreateWebhookDto {
  @ApiPropertyOptional({ example: 'My receiver', maxLength: 200, description: "Default: the URL's host" })
  @Optional()
  @IsText(1, 200)
  title?: string;

  @ApiProperty({
    // The README's own receiver (Receiving webhooks): "Try it out" never sends bookings to a host elsewhere.
    example: 'http://127.0.0.1:4001/',
    maxLength: MAX_URL_LENGTH,
    description:
      "http or https, without control characters; hosts on private networks are refused unless WEBHOOK_ALLOW_PRIVATE_URLS=true. Credentials (user:pass@) go out as Basic authentication: their %-escapes must decode as UTF-8, and the user name must not hold ':'",
  })
  @Satisfies(absoluteUrl)
  url!: string;

  @ApiPropertyOptional({
    enum: WEBHOOK_TRIGGERS,
    isArray: true,
    minItems: 1,
    maxItems: WEBHOOK_TRIGGERS.length,
    uniqueItems: true,
    description: 'Default: all four',
  })
  @Optional()
  @Satisfies(choiceList(WEBHOOK_TRIGGERS, 1, WEBHOOK_TRIGGERS.length))
  triggers?: WebhookTrigger[];

  @ApiPropertyOptional({
    type: [Number],
    example: [],
    maxItems: MAX_WEBHOOK_APPOINTMENT_TYPES,
    uniqueItems: true,
    description: 'Only these appointment types (each must exist when it is added); empty = all',
  })
  @Optional()
  @IsIdList(MAX_WEBHOOK_APPOINTMENT_TYPES)
  appointment_type_ids?: number[];

  @ApiPropertyOptional({
    default: true,
    description:
      'Enabling clears disabled_reason. A disabled webhook gets no deliveries for the events that happen meanwhile, not even once enabled again.',
  })
  @Optional()
  @IsBoolean()
  enabled?: boolean;
}
