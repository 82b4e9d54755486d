import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

const UNIQUE_BY_WEBHOOK = new TableIndex({
  name: 'uq_webhook_deliveries_event',
  columnNames: ['webhook_id', 'event_id'],
  isUnique: true,
});
const ORDER_BY_WEBHOOK = new TableIndex({
  name: 'idx_webhook_deliveries_order',
  columnNames: ['webhook_id', 'appointment_id', 'event_id'],
});
const BY_EVENT = new TableIndex({ name: 'idx_webhook_deliveries_event', columnNames: ['event_id'] });

/**
 * The indexes of `webhook_deliveries` follow the fan-out: an event's deliveries, one per webhook, are written
 * together, so an index led by `webhook_id` takes them into as many index pages as there are webhooks (on
 * SQLite, 1,000 webhooks made every event write about 2,000 pages, 8 MB, in its two such indexes), while an
 * index led by the event or the appointment takes them into a few pages at its end.
 *
 * - `uq_webhook_deliveries_event`: one delivery per (event, webhook), now led by the event; it also serves
 *   what `idx_webhook_deliveries_event` did (retention), which goes.
 * - `idx_webhook_deliveries_order`: the claim's "no earlier pending delivery of this appointment to this
 *   webhook", now led by the appointment.
 * - `idx_webhook_deliveries_webhook`: the one index led by the webhook, for a webhook's delivery log (newest
 *   first, without a sort) and for the cascade when a webhook is deleted.
 */
export class DeliveryIndexes1764190000031 implements MigrationInterface {
  name = 'DeliveryIndexes1764190000031';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('webhook_deliveries', UNIQUE_BY_WEBHOOK.name!);
    await queryRunner.dropIndex('webhook_deliveries', ORDER_BY_WEBHOOK.name!);
    await queryRunner.dropIndex('webhook_deliveries', BY_EVENT.name!);
    await queryRunner.createIndices('webhook_deliveries', [
      new TableIndex({
        name: 'uq_webhook_deliveries_event',
        columnNames: ['event_id', 'webhook_id'],
        isUnique: true,
      }),
      new TableIndex({
        name: 'idx_webhook_deliveries_order',
        columnNames: ['appointment_id', 'webhook_id', 'event_id'],
      }),
      new TableIndex({ name: 'idx_webhook_deliveries_webhook', columnNames: ['webhook_id', 'id'] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('webhook_deliveries', 'idx_webhook_deliveries_webhook');
    await queryRunner.dropIndex('webhook_deliveries', 'idx_webhook_deliveries_order');
    await queryRunner.dropIndex('webhook_deliveries', 'uq_webhook_deliveries_event');
    await queryRunner.createIndices('webhook_deliveries', [UNIQUE_BY_WEBHOOK, ORDER_BY_WEBHOOK, BY_EVENT]);
  }
}
