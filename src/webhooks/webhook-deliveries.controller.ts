import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors';
import { IdParam } from '../common/http/id-param';
import { WebhookDeliveryAttemptDto, WebhookDeliveryDetailDto } from './dto/webhook-delivery.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

@ApiTags('webhooks')
@ApiErrors('unauthorized')
@Controller('api/v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @Get(':id')
  @ApiOperation({ summary: 'A delivery with every attempt' })
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  @ApiErrors('validation_failed', 'not_found')
  get(@IdParam() id: number): Promise<WebhookDeliveryDetailDto> {
    return this.deliveries.get(id);
  }

  @Post(':id/redeliver')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a delivery again now, with the same webhook-id and body (also a delivered or failed one)',
  })
  @ApiOkResponse({ type: WebhookDeliveryAttemptDto })
  @ApiErrors('validation_failed', 'not_found', 'webhook_disabled', 'delivery_in_progress')
  redeliver(@IdParam() id: number): Promise<WebhookDeliveryAttemptDto> {
    return this.deliveries.redeliver(id);
  }
}
