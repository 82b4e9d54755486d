import { Injectable } from '@nestjs/common';
import { StoredEvent } from '../common/events/domain-event';
import { DomainError } from '../common/errors/domain-error';
import { Page, page } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { DeliveriesRepository } from './delivery/deliveries.repository';
import { DeliveryNotifications } from './delivery/delivery-notifications';
import { DeliveryPump } from './delivery/delivery-pump';
import { DeliveryQueryDto, WebhookDeliveryDetailDto, WebhookDeliveryDto } from './dto/webhook-delivery.dto';
import { buildSsaPayload, serializeSsaPayload, SsaEvent, ssaBodyTemplate } from './payload/ssa-payload';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { deliveryInProgress, earlierDeliveryPending, webhookDisabled } from './webhook.errors';
import { toDeliveryDetailDto, toDeliveryDto } from './webhook.mapper';
import type { WebhookTrigger } from './webhook.types';
import { WebhooksRepository } from './webhooks.repository';
import { ManualSend, WebhooksService } from './webhooks.service';

/** Deliveries written per transaction when an event fans out (small rows: the body is stored once). */
const FAN_OUT_CHUNK = 1000;

@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly pump: DeliveryPump,
    private readonly notifications: DeliveryNotifications,
    private readonly webhooksService: WebhooksService,
    private readonly config: AppConfig,
  ) {}

  /**
   * One delivery per enabled webhook that wants this action for this appointment type, with its body frozen
   * now. Idempotent: an event emitted again (outbox relay) finds its deliveries already there. The bodies
   * differ only in the webhook's token: the payload is built and serialized once and stored once for the
   * event (`webhook_event_bodies`), each delivery refers to it, so a fan-out writes a small row per webhook
   * rather than 2–3 KB. Written in chunks of `FAN_OUT_CHUNK`, each its own transaction (the body goes with
   * every chunk, kept if there), yielding the event loop between them.
   */
  async enqueueForEvent(action: WebhookTrigger, event: StoredEvent<SsaEvent>): Promise<void> {
    const appointment = event.payload.appointment;
    const webhooks = (await this.webhooks.subscribers()).filter(
      (webhook) =>
        webhook.triggers.includes(action) &&
        (webhook.appointment_type_ids.length === 0 ||
          webhook.appointment_type_ids.includes(appointment.appointment_type_id)),
    );
    if (webhooks.length === 0) return;
    const payload = buildSsaPayload(action, event.payload, this.webhooksService.site(webhooks[0].token));
    // Stored once for the event; should the token's place not be found, each delivery keeps its own body.
    const template = ssaBodyTemplate(payload);
    const target = { event_id: event.id, action, appointment_id: appointment.id };
    for (let start = 0; start < webhooks.length; start += FAN_OUT_CHUNK) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      const rows = webhooks.slice(start, start + FAN_OUT_CHUNK).map((webhook) => ({
        webhook_id: webhook.id,
        payload: template
          ? ''
          : serializeSsaPayload({ ...payload, signature: this.webhooksService.site(webhook.token) }),
      }));
      await this.deliveries.insertForEvent(target, template, rows);
      this.notifications.announce();
    }
  }

  async listForWebhook(webhookId: number, query: DeliveryQueryDto): Promise<Page<WebhookDeliveryDto>> {
    if (!(await this.webhooks.exists(webhookId))) throw DomainError.notFound('webhook', webhookId);
    const [rows, total] = await this.webhooks.deliveryPage(webhookId, query);
    return page(rows.map(toDeliveryDto), total, query);
  }

  async get(id: number): Promise<WebhookDeliveryDetailDto> {
    const delivery = await this.find(id);
    const attempts = await this.webhooks.attemptsOf(id);
    return toDeliveryDetailDto(delivery, attempts);
  }

  /**
   * One more attempt now with the same webhook-id and body. A pending delivery then carries on with its
   * schedule; a delivered or failed one is tried just this once. One behind an earlier pending event of its
   * appointment is refused: sent now, it would arrive first. An instance without a worker queues the attempt
   * for a worker instance instead.
   */
  async redeliver(id: number): Promise<ManualSend> {
    if (!this.config.webhookWorker) return { queued: await this.requeue(id) };
    const now = Date.now();
    const delivery = await this.deliveries.claimOne(id, now, this.pump.leaseUntil(now));
    if (!delivery) throw await this.whyNotClaimed(id, now);
    return { sent: await this.pump.sendNow(delivery, { evenIfDisabled: false }) };
  }

  /** Held by a live lease, or pending behind an earlier event (then which); not found throws. */
  private async whyNotClaimed(id: number, now: number): Promise<DomainError> {
    const delivery = await this.find(id);
    if (delivery.lease_until !== null && Number(delivery.lease_until) >= now) return deliveryInProgress(id);
    const earlier = await this.deliveries.earlierPending(id);
    // Neither any more (the earlier one finished meanwhile): asking again will send it.
    return earlier === null ? deliveryInProgress(id) : earlierDeliveryPending(id, earlier);
  }

  private async requeue(id: number): Promise<WebhookDeliveryDto> {
    const delivery = await this.find(id);
    if (!(await this.webhooks.exists(delivery.webhook_id, { enabled: true }))) {
      throw webhookDisabled(delivery.webhook_id);
    }
    // Refused as a worker instance refuses it (the worker would hold it back anyway).
    const earlier = await this.deliveries.earlierPending(id);
    if (earlier !== null) throw earlierDeliveryPending(id, earlier);
    const queued = await this.deliveries.requeue(id, Date.now());
    if (!queued) throw deliveryInProgress(id);
    this.notifications.announce();
    return toDeliveryDto(queued);
  }

  private async find(id: number): Promise<WebhookDeliveryEntity> {
    const delivery = await this.webhooks.findDelivery(id);
    if (!delivery) throw DomainError.notFound('webhook delivery', id);
    return delivery;
  }
}
