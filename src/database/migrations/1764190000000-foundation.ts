import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { id, int, epochMs, text, varchar } from './columns';

/** The outbox behind every domain event, and appointment types. Written with TypeORM's schema API so it runs on SQLite and PostgreSQL alike. */
export class Foundation1764190000000 implements MigrationInterface {
  name = 'Foundation1764190000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'outbox_events',
        columns: [
          id(),
          varchar('name', 100),
          text('payload'),
          epochMs('occurred_at'),
          epochMs('handled_at', { isNullable: true }),
          epochMs('claimed_until', { isNullable: true }),
          int('attempts', { default: 0 }),
          text('last_error', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'idx_outbox_unhandled', columnNames: ['handled_at', 'id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'appointment_types',
        columns: [
          id(),
          varchar('title', 200),
          varchar('slug', 200, { isUnique: true }),
          text('description', { default: "''" }),
          varchar('status', 16),
          varchar('timezone', 64),
          int('duration'),
          int('availability_increment'),
          int('buffer_before', { default: 0 }),
          int('buffer_after', { default: 0 }),
          int('min_booking_notice', { default: 0 }),
          int('max_booking_notice', { isNullable: true }),
          int('max_event_count', { default: 0 }),
          int('capacity', { default: 1 }),
          text('availability'),
          text('team_member_ids'),
          { name: 'price', type: 'decimal', precision: 12, scale: 2, default: 0 },
          varchar('currency', 3, { default: "'USD'" }),
          varchar('web_meeting_url', 2000, { isNullable: true }),
          varchar('web_meeting_password', 200, { isNullable: true }),
          text('customer_fields'),
          epochMs('date_created'),
          epochMs('date_modified'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('appointment_types');
    await queryRunner.dropTable('outbox_events');
  }
}
