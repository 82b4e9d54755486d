import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { Optional } from '../../common/validation/validators';
import { WEBHOOK_TRIGGERS, type WebhookTrigger } from '../webhook.types';

export class TestWebhookDto {
  @ApiPropertyOptional({
    enum: WEBHOOK_TRIGGERS,
    default: 'appointment_booked',
    description: 'Which sample body',
  })
  @Optional()
  @IsIn(WEBHOOK_TRIGGERS)
  action?: WebhookTrigger;
}
