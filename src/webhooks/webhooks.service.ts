import { Injectable } from '@nestjs/common';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import { DomainError } from '../common/errors/domain-error';
import { Page, page, PageQueryDto } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { DeliveriesRepository } from './delivery/deliveries.repository';
import { DeliveryNotifications } from './delivery/delivery-notifications';
import { DeliveryPump } from './delivery/delivery-pump';
import { assertUrlAllowed, PRIVATE_ADDRESS_HINT, UrlNotAllowedError } from './delivery/url-guard';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import { WebhookDeliveryAttemptDto, WebhookDeliveryDto } from './dto/webhook-delivery.dto';
import { WebhookDto, WebhookWithSecretDto } from './dto/webhook.dto';
import { serializeSsaPayload, SsaSite } from './payload/ssa-payload';
import { testPayload } from './payload/test-payload';
import { WebhookEntity } from './webhook.entity';
import { WebhooksRepository } from './webhooks.repository';
import { toDeliveryDto, toWebhookDto, toWebhookWithSecretDto } from './webhook.mapper';
import { generateSecret, generateToken } from './webhook-secrets';
import { WEBHOOK_TRIGGERS, type WebhookTrigger } from './webhook.types';

/**
 * What a test send or a redelivery came to: the attempt, sent by this instance; or, on an instance without a
 * worker (`WEBHOOK_WORKER=false`), which sends nothing itself, the delivery queued for a worker instance.
 */
export type ManualSend = { sent: WebhookDeliveryAttemptDto } | { queued: WebhookDeliveryDto };

/** How long deliveries stay signed with the secret that a rotation replaced. */
export const PREVIOUS_SECRET_VALID_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly transactions: Transactions,
    private readonly deliveries: DeliveriesRepository,
    private readonly pump: DeliveryPump,
    private readonly notifications: DeliveryNotifications,
    private readonly config: AppConfig,
    private readonly appointmentTypes: AppointmentTypesService,
  ) {}

  async list(query: PageQueryDto): Promise<Page<WebhookDto>> {
    const [rows, total] = await this.webhooks.page(query.limit, query.offset);
    return page(
      rows.map((row) => toWebhookDto(row)),
      total,
      query,
    );
  }

  async get(id: number): Promise<WebhookDto> {
    return toWebhookDto(await this.find(id));
  }

  async create(input: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    await this.assertUrl(input.url);
    return this.transactions.run(async () => {
      await this.appointmentTypes.assertExist(input.appointment_type_ids ?? [], 'appointment_type_ids');
      const now = Date.now();
      const webhook = this.webhooks.create({
        title: input.title?.trim() || new URL(input.url).host,
        url: input.url,
        triggers: input.triggers ?? [...WEBHOOK_TRIGGERS],
        appointment_type_ids: input.appointment_type_ids ?? [],
        enabled: input.enabled ?? true,
        disabled_reason: null,
        token: generateToken(),
        secret: generateSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        failing_since: null,
        date_created: now,
        date_modified: now,
      });
      return toWebhookWithSecretDto(await this.webhooks.save(webhook));
    });
  }

  async update(id: number, input: UpdateWebhookDto): Promise<WebhookDto> {
    if (input.url !== undefined) await this.assertUrl(input.url);
    return this.transactions
      .run(async () => {
        await this.webhooks.lockRow(id);
        const webhook = await this.find(id);
        const before = JSON.stringify(webhook);
        if (input.url !== undefined) webhook.url = input.url;
        // Blank, as on create: the URL's host names it.
        if (input.title !== undefined) webhook.title = input.title.trim() || new URL(webhook.url).host;
        if (input.triggers !== undefined) webhook.triggers = input.triggers;
        if (input.appointment_type_ids !== undefined) {
          // Ids it holds already may be of types deleted since: a client that sends the list back as it read it
          // is not refused for them.
          const added = input.appointment_type_ids.filter((id) => !webhook.appointment_type_ids.includes(id));
          await this.appointmentTypes.assertExist(added, 'appointment_type_ids');
          webhook.appointment_type_ids = input.appointment_type_ids;
        }
        if (input.enabled !== undefined && input.enabled !== webhook.enabled) {
          webhook.enabled = input.enabled;
          // Enabling starts afresh: the receiver gets a new five days (or whatever is configured).
          webhook.disabled_reason = null;
          webhook.failing_since = null;
        }
        if (JSON.stringify(webhook) === before) return toWebhookDto(webhook);
        webhook.date_modified = Date.now();
        const saved = await this.webhooks.save(webhook);
        return toWebhookDto(saved);
      })
      .finally(() => {
        // Deliveries that waited while the webhook was disabled go out now.
        if (input.enabled === true) this.notifications.announce();
      });
  }

  /** Its delivery log goes first, in batches (see deleteLogOf); what is fanned out meanwhile with the webhook. */
  async remove(id: number): Promise<void> {
    await this.find(id);
    await this.deliveries.deleteLogOf(id);
    await this.transactions.run(async () => {
      await this.find(id);
      await this.webhooks.delete(id);
    });
  }

  async rotateSecret(id: number): Promise<WebhookWithSecretDto> {
    return this.transactions.run(async () => {
      // Two rotations at once would each keep the same old secret: one of the two new ones would be lost.
      await this.webhooks.lockRow(id);
      const webhook = await this.find(id);
      const now = Date.now();
      webhook.previous_secret = webhook.secret;
      webhook.previous_secret_expires_at = now + PREVIOUS_SECRET_VALID_MS;
      webhook.secret = generateSecret();
      webhook.date_modified = now;
      return toWebhookWithSecretDto(await this.webhooks.save(webhook));
    });
  }

  /**
   * Sends a sample body now, recorded as a delivery of its own, whether or not the webhook is enabled; an
   * instance without a worker queues it for a worker instance instead. Without an `action`, a sample of the first
   * event the webhook subscribes to, as its `triggers` list them (appointment_booked for one subscribed to all).
   */
  async sendTest(id: number, asked?: WebhookTrigger): Promise<ManualSend> {
    const webhook = await this.find(id);
    const action = asked ?? webhook.triggers[0] ?? 'appointment_booked';
    const site = this.site(webhook.token);
    const payload = serializeSsaPayload(testPayload(action, site, { timezone: this.config.defaultTimezone }));
    const row = { webhook_id: id, event_id: null, action, appointment_id: null, payload };
    if (!this.config.webhookWorker) {
      const queued = await this.deliveries.insertManual(row);
      this.notifications.announce();
      return { queued: toDeliveryDto(queued) };
    }
    const delivery = await this.deliveries.insertLeased(row, this.pump.leaseUntil(Date.now()));
    return { sent: await this.pump.sendNow(delivery, { evenIfDisabled: true }) };
  }

  /** The `signature` object of bodies sent to a webhook with this token. */
  site(token: string): SsaSite {
    return {
      token,
      site_name: this.config.siteName,
      site_url: this.config.siteUrl,
      home_url: this.config.siteUrl,
      network_site_url: this.config.networkSiteUrl,
    };
  }

  private async assertUrl(url: string): Promise<void> {
    try {
      await assertUrlAllowed(url, { allowPrivate: this.config.webhookAllowPrivateUrls });
    } catch (error) {
      if (error instanceof UrlNotAllowedError) {
        const reason = error.privateAddress ? `${error.reason}; ${PRIVATE_ADDRESS_HINT}` : error.reason;
        throw DomainError.invalidField('url', reason, 'webhook_url_not_allowed');
      }
      throw error;
    }
  }

  private async find(id: number): Promise<WebhookEntity> {
    const webhook = await this.webhooks.findById(id);
    if (!webhook) throw DomainError.notFound('webhook', id);
    return webhook;
  }
}
