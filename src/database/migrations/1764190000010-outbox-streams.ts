import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { epochMs, varchar } from './columns';

/**
 * Outbox streams and back-off: events of one stream (an appointment) are handled in id order, and a failing
 * event waits until `next_attempt_at` before the relay tries it again.
 */
export class OutboxStreams1764190000010 implements MigrationInterface {
  name = 'OutboxStreams1764190000010';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('outbox_events', [
      new TableColumn(varchar('stream_key', 100, { isNullable: true })),
      new TableColumn(epochMs('next_attempt_at', { isNullable: true })),
    ]);
    await queryRunner.createIndex(
      'outbox_events',
      new TableIndex({ name: 'idx_outbox_stream', columnNames: ['stream_key', 'id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('outbox_events', 'idx_outbox_stream');
    await queryRunner.dropColumn('outbox_events', 'next_attempt_at');
    await queryRunner.dropColumn('outbox_events', 'stream_key');
  }
}
