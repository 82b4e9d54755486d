import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../common/http/api-errors';
import { IdParam } from '../common/http/id-param';
import { ApiPageResponse, Page, PageQueryDto } from '../common/http/pagination';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { TestWebhookDto } from './dto/test-webhook.dto';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import { DeliveryQueryDto, WebhookDeliveryAttemptDto, WebhookDeliveryDto } from './dto/webhook-delivery.dto';
import { WebhookDto, WebhookWithSecretDto } from './dto/webhook.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { ManualSend, WebhooksService } from './webhooks.service';
import { NoFieldsDto } from '../common/http/no-fields.dto';

/** The attempt (200) when this instance sent it; the queued delivery (202) when a worker instance will. */
export function answerManualSend(
  result: ManualSend,
  reply: FastifyReply,
): WebhookDeliveryAttemptDto | WebhookDeliveryDto {
  if ('sent' in result) return result.sent;
  void reply.status(202);
  return result.queued;
}

@ApiTags('webhooks')
@ApiErrors('unauthorized')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List webhooks (without their secrets)' })
  @ApiPageResponse(WebhookDto)
  @ApiErrors('validation_failed')
  list(@Query() query: PageQueryDto): Promise<Page<WebhookDto>> {
    return this.webhooks.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a webhook; the response is the only one that shows its secret' })
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  @ApiErrors('validation_failed', 'webhook_url_not_allowed')
  create(@Body() body: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    return this.webhooks.create(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a webhook (without its secret)' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors('validation_failed', 'not_found')
  get(@IdParam() id: number): Promise<WebhookDto> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a webhook (only the fields given); enabling clears disabled_reason' })
  // Its own example: the create form's, inherited, moved the webhook (the listener's, as id 1) to another URL.
  @ApiBody({ type: UpdateWebhookDto, examples: { 'a new title': { value: { title: 'My receiver' } } } })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors('validation_failed', 'webhook_url_not_allowed', 'not_found')
  update(@IdParam() id: number, @Body() body: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook with its delivery log' })
  @ApiNoContentResponse()
  @ApiErrors('validation_failed', 'not_found')
  async remove(@IdParam() id: number): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'New signing secret; for 24 h deliveries carry signatures with the old and the new one',
  })
  @ApiBody({ type: NoFieldsDto, required: false, description: 'Takes no fields' })
  @ApiOkResponse({ type: WebhookWithSecretDto })
  @ApiErrors('validation_failed', 'not_found')
  rotateSecret(@IdParam() id: number, @Body() _body: NoFieldsDto): Promise<WebhookWithSecretDto> {
    return this.webhooks.rotateSecret(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a sample body now (also when disabled); recorded as a delivery',
    description:
      'An instance without a worker (WEBHOOK_WORKER=false) sends nothing itself: it records the send as a ' +
      'pending delivery, which a worker instance sends, and answers 202 with that delivery.',
  })
  @ApiOkResponse({ type: WebhookDeliveryAttemptDto, description: 'sent by this instance: the attempt' })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'queued for a worker instance' })
  @ApiErrors('validation_failed', 'not_found')
  async test(
    @IdParam() id: number,
    @Body() body: TestWebhookDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookDeliveryAttemptDto | WebhookDeliveryDto> {
    return answerManualSend(await this.webhooks.sendTest(id, body.action), reply);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "A webhook's deliveries, newest first" })
  @ApiPageResponse(WebhookDeliveryDto)
  @ApiErrors('validation_failed', 'not_found')
  listDeliveries(@IdParam() id: number, @Query() query: DeliveryQueryDto): Promise<Page<WebhookDeliveryDto>> {
    return this.deliveries.listForWebhook(id, query);
  }
}
