import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { Optional } from '../../common/validation/validators';
import { WEBHOOK_TRIGGERS, type WebhookTrigger } from '../webhook.types';

export class TestWebhookDto {
  @ApiPropertyOptional({
    enum: WEBHOOK_TRIGGERS,
    description:
      'Which sample body. Default: the first event the webhook subscribes to, as its triggers list them (appointment_booked for one subscribed to all)',
  })
  @Optional()
  @IsIn(WEBHOOK_TRIGGERS)
  action?: WebhookTrigger;
}
