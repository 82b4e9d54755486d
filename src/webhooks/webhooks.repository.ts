import { Injectable } from '@nestjs/common';
import { DeepPartial, EntityManager } from 'typeorm';
import { Transactions } from '../database/transactions';
import { fillSharedBodies } from './delivery/shared-bodies';
import { WebhookDeliveryAttemptEntity } from './webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEntity } from './webhook.entity';
import type { DeliveryStatus, WebhookTrigger } from './webhook.types';

/** An enabled webhook as the fan-out sees it. */
export type Subscriber = Pick<WebhookEntity, 'id' | 'token' | 'triggers' | 'appointment_type_ids'>;

interface RawSubscriber {
  id: number | string;
  token: string;
  triggers: string;
  appointment_type_ids: string;
}

/**
 * The webhooks module's queries of its webhooks and of the delivery log as the admin API reads it (the
 * delivery pump's claims and outcomes are in `delivery/deliveries.repository.ts`). Each reads and writes in the
 * caller's transaction when there is one.
 */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly transactions: Transactions) {}

  private get manager(): EntityManager {
    return this.transactions.manager;
  }

  page(limit: number, offset: number): Promise<[WebhookEntity[], number]> {
    return this.manager.findAndCount(WebhookEntity, { order: { id: 'ASC' }, take: limit, skip: offset });
  }

  findById(id: number): Promise<WebhookEntity | null> {
    return this.manager.findOneBy(WebhookEntity, { id });
  }

  /**
   * Holds the webhook's row until the transaction ends (PostgreSQL; SQLite's writer runs one change at a time):
   * a change computed from what it read (a rotation keeps the secret it replaces) must not race another.
   */
  async lockRow(id: number): Promise<void> {
    if (this.transactions.isPostgres)
      await this.transactions.sql('SELECT id FROM webhooks WHERE id = $1 FOR UPDATE', [id]);
  }

  exists(id: number, options: { enabled?: true } = {}): Promise<boolean> {
    return this.manager.existsBy(WebhookEntity, { id, ...options });
  }

  /**
   * What a fan-out needs of every enabled webhook, in id order. Raw rows rather than entities: a site with
   * thousands of webhooks reads them all for every event, and hydrating entities cost more than the query.
   */
  async subscribers(): Promise<Subscriber[]> {
    // A prepared statement: every committed appointment event runs it.
    const rows = await this.transactions.sql<RawSubscriber>(
      'SELECT id, token, triggers, appointment_type_ids FROM webhooks WHERE enabled = TRUE ORDER BY id',
    );
    return rows.map((row) => ({
      id: Number(row.id),
      token: row.token,
      triggers: JSON.parse(row.triggers) as WebhookTrigger[],
      appointment_type_ids: JSON.parse(row.appointment_type_ids) as number[],
    }));
  }

  create(fields: DeepPartial<WebhookEntity>): WebhookEntity {
    return this.manager.create(WebhookEntity, fields);
  }

  save(webhook: WebhookEntity): Promise<WebhookEntity> {
    return this.manager.save(webhook);
  }

  async delete(id: number): Promise<void> {
    await this.manager.delete(WebhookEntity, { id });
  }

  async deliveryPage(
    webhookId: number,
    query: { status?: DeliveryStatus; limit: number; offset: number },
  ): Promise<[WebhookDeliveryEntity[], number]> {
    const [rows, total] = await this.manager.findAndCount(WebhookDeliveryEntity, {
      where: { webhook_id: webhookId, ...(query.status !== undefined && { status: query.status }) },
      order: { id: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
    return [await fillSharedBodies(this.transactions, rows), total];
  }

  async findDelivery(id: number): Promise<WebhookDeliveryEntity | null> {
    const delivery = await this.manager.findOneBy(WebhookDeliveryEntity, { id });
    return delivery && (await fillSharedBodies(this.transactions, [delivery]))[0];
  }

  attemptsOf(deliveryId: number): Promise<WebhookDeliveryAttemptEntity[]> {
    return this.manager.find(WebhookDeliveryAttemptEntity, {
      where: { delivery_id: deliveryId },
      order: { id: 'ASC' },
    });
  }
}
