import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Length,
  MaxLength,
  Min,
} from 'class-validator';
import { Optional, Satisfies } from '../../common/validation/validators';
import { WEBHOOK_TRIGGERS, type WebhookTrigger } from '../webhook.types';

function absoluteUrl(value: string): string | null {
  if (typeof value !== 'string') return null;
  try {
    new URL(value);
    return null;
  } catch {
    return 'must be an absolute URL such as https://hooks.example.com/booking';
  }
}

export class CreateWebhookDto {
  @ApiPropertyOptional({ example: 'CRM', maxLength: 200, description: "Default: the URL's host" })
  @Optional()
  @IsString()
  @Length(1, 200)
  title?: string;

  @ApiProperty({
    example: 'https://hooks.example.com/booking',
    description:
      'http or https; hosts on private networks are refused unless WEBHOOK_ALLOW_PRIVATE_URLS=true',
  })
  @IsString()
  @MaxLength(2000)
  @Satisfies(absoluteUrl)
  url!: string;

  @ApiPropertyOptional({ enum: WEBHOOK_TRIGGERS, isArray: true, description: 'Default: all four' })
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(WEBHOOK_TRIGGERS, { each: true })
  triggers?: WebhookTrigger[];

  @ApiPropertyOptional({
    type: [Number],
    example: [],
    description: 'Only these appointment types; empty = all',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  appointment_type_ids?: number[];

  @ApiPropertyOptional({ default: true, description: 'Enabling clears disabled_reason' })
  @Optional()
  @IsBoolean()
  enabled?: boolean;
}
