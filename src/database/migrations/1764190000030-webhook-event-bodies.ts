import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { epochMs, id, int, text } from './columns';

/**
 * `webhook_event_bodies`: the body of an event's deliveries, once per event, around the spot where each
 * webhook's token goes (`head` + the token as a JSON string + `tail`); `webhook_deliveries.shared_body` marks a
 * delivery whose body is that one (its own `payload` is then empty). A fan-out to 1,000 webhooks wrote the
 * same 2–3 KB a thousand times over; this writes it once.
 *
 * `idx_webhook_deliveries_event`: a body goes once no delivery of its event is left (retention).
 */
export class WebhookEventBodies1764190000030 implements MigrationInterface {
  name = 'WebhookEventBodies1764190000030';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhook_event_bodies',
        columns: [id(), int('event_id'), text('head'), text('tail'), epochMs('date_created')],
        indices: [
          new TableIndex({
            name: 'uq_webhook_event_bodies_event',
            columnNames: ['event_id'],
            isUnique: true,
          }),
        ],
      }),
    );
    await queryRunner.query(
      'ALTER TABLE webhook_deliveries ADD COLUMN shared_body boolean NOT NULL DEFAULT false',
    );
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({ name: 'idx_webhook_deliveries_event', columnNames: ['event_id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('webhook_deliveries', 'idx_webhook_deliveries_event');
    await queryRunner.query('ALTER TABLE webhook_deliveries DROP COLUMN shared_body');
    await queryRunner.dropTable('webhook_event_bodies');
  }
}
