import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination';
import { Optional } from '../../common/validation/validators';
import {
  DELIVERY_STATUSES,
  WEBHOOK_TRIGGERS,
  type DeliveryStatus,
  type WebhookTrigger,
} from '../webhook.types';

export class WebhookDeliveryAttemptDto {
  @ApiProperty({ example: 12 }) delivery_id!: number;
  @ApiProperty({ example: 1 }) attempt_number!: number;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) started_at!: string;
  @ApiProperty({ example: 42 }) duration_ms!: number;
  @ApiProperty({ nullable: true, type: Number, example: 200, description: 'null when no response arrived' })
  status_code!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'Network error, timeout, refusal',
  })
  error!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'ok', description: 'First 4 KB of the answer' })
  response_body!: string | null;
}

export class WebhookDeliveryDto {
  @ApiProperty({ example: 12, description: 'The webhook-id header is msg_<id>' }) id!: number;
  @ApiProperty({ example: 1 }) webhook_id!: number;
  @ApiProperty({ nullable: true, type: Number, example: 345, description: 'null for test sends' })
  event_id!: number | null;
  @ApiProperty({ enum: WEBHOOK_TRIGGERS }) action!: WebhookTrigger;
  @ApiProperty({ nullable: true, type: Number, example: 123 }) appointment_id!: number | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty({ example: 1 }) attempt_count!: number;
  @ApiProperty({ nullable: true, type: String, example: null }) next_attempt_at!: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 200 }) last_status_code!: number | null;
  @ApiProperty({ nullable: true, type: String, example: null }) last_error!: string | null;
  @ApiProperty({
    description: 'The exact body sent on every attempt',
    example: '{"action":"appointment_booked"}',
  })
  payload!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_created!: string;
  @ApiProperty({ nullable: true, type: String, example: '2030-01-01T12:00:00.000Z' }) delivered_at!:
    string | null;
}

export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ type: [WebhookDeliveryAttemptDto] }) attempts!: WebhookDeliveryAttemptDto[];
}

export class DeliveryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @Optional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}
