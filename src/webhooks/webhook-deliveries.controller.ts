import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../common/http/api-errors';
import { IdParam } from '../common/http/id-param';
import {
  WebhookDeliveryAttemptDto,
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
} from './dto/webhook-delivery.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { answerManualSend } from './webhooks.controller';
import { NoFieldsDto } from '../common/http/no-fields.dto';

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
    description:
      'An instance without a worker (WEBHOOK_WORKER=false) sends nothing itself: it makes the delivery ' +
      'pending and due now, a worker instance sends it, and it answers 202 with the delivery.',
  })
  @ApiOkResponse({ type: WebhookDeliveryAttemptDto, description: 'sent by this instance: the attempt' })
  @ApiBody({ type: NoFieldsDto, required: false, description: 'Takes no fields' })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'queued for a worker instance' })
  @ApiErrors(
    'validation_failed',
    'not_found',
    'webhook_disabled',
    'delivery_in_progress',
    'earlier_delivery_pending',
  )
  async redeliver(
    @IdParam() id: number,
    @Body() _body: NoFieldsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookDeliveryAttemptDto | WebhookDeliveryDto> {
    return answerManualSend(await this.deliveries.redeliver(id), reply);
  }
}
