import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_TRIGGERS, type WebhookTrigger } from '../webhook.types';

export class WebhookDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'My receiver' }) title!: string;
  @ApiProperty({ example: 'http://127.0.0.1:4001/' }) url!: string;
  @ApiProperty({ enum: WEBHOOK_TRIGGERS, isArray: true, example: WEBHOOK_TRIGGERS })
  triggers!: WebhookTrigger[];
  @ApiProperty({ type: [Number], example: [], description: 'Only these appointment types; empty = all' })
  appointment_type_ids!: number[];
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'Why it was disabled automatically',
  })
  disabled_reason!: string | null;
  @ApiProperty({ example: '9f86d081884c7d659a2feaa0', description: 'Sent in every body as signature.token' })
  token!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'Until then deliveries are also signed with the secret before the last rotation',
  })
  previous_secret_expires_at!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'First failed attempt since the last success; null while deliveries succeed',
  })
  failing_since!: string | null;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_created!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_modified!: string;
}

/** Only the responses of create and rotate-secret carry the secret. */
export class WebhookWithSecretDto extends WebhookDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Signing secret for the webhook-signature header; shown only now',
  })
  secret!: string;
}
