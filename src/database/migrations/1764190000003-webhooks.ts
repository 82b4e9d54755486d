import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { bool, epochMs, id, int, text, varchar } from './columns';

/** Webhooks, their deliveries (the durable queue the workers claim from) and every attempt. */
export class Webhooks1764190000003 implements MigrationInterface {
  name = 'Webhooks1764190000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhooks',
        columns: [
          id(),
          varchar('title', 200),
          varchar('url', 2000),
          text('triggers'),
          text('appointment_type_ids'),
          bool('enabled', { default: true }),
          text('disabled_reason', { isNullable: true }),
          varchar('token', 24),
          varchar('secret', 200),
          varchar('previous_secret', 200, { isNullable: true }),
          epochMs('previous_secret_expires_at', { isNullable: true }),
          epochMs('failing_since', { isNullable: true }),
          epochMs('date_created'),
          epochMs('date_modified'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          id(),
          int('webhook_id'),
          int('event_id', { isNullable: true }),
          varchar('action', 40),
          int('appointment_id', { isNullable: true }),
          varchar('status', 16),
          int('attempt_count', { default: 0 }),
          epochMs('next_attempt_at', { isNullable: true }),
          epochMs('lease_until', { isNullable: true }),
          int('last_status_code', { isNullable: true }),
          text('last_error', { isNullable: true }),
          text('payload'),
          epochMs('date_created'),
          epochMs('delivered_at', { isNullable: true }),
        ],
        indices: [
          // The claim query: due pending deliveries, then "no earlier pending one for the same appointment".
          new TableIndex({ name: 'idx_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({
            name: 'idx_webhook_deliveries_order',
            columnNames: ['webhook_id', 'appointment_id', 'event_id'],
          }),
          // One delivery per (webhook, event): the outbox relay may emit an event again.
          new TableIndex({
            name: 'uq_webhook_deliveries_event',
            columnNames: ['webhook_id', 'event_id'],
            isUnique: true,
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['webhook_id'],
            referencedTableName: 'webhooks',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_delivery_attempts',
        columns: [
          id(),
          int('delivery_id'),
          int('attempt_number'),
          epochMs('started_at'),
          int('duration_ms'),
          int('status_code', { isNullable: true }),
          text('error', { isNullable: true }),
          text('response_body', { isNullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'idx_webhook_delivery_attempts_delivery',
            columnNames: ['delivery_id', 'id'],
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['delivery_id'],
            referencedTableName: 'webhook_deliveries',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_delivery_attempts');
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhooks');
  }
}
