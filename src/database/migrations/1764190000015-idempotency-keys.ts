import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { epochMs, id, int, text, varchar } from './columns';

/** First answers to requests sent with an `Idempotency-Key`. */
export class IdempotencyKeys1764190000015 implements MigrationInterface {
  name = 'IdempotencyKeys1764190000015';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          id(),
          varchar('scope', 32),
          varchar('key', 255),
          varchar('request_hash', 64),
          int('status_code'),
          text('response_body'),
          epochMs('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_idempotency_scope_key', columnNames: ['scope', 'key'], isUnique: true }),
          new TableIndex({ name: 'idx_idempotency_created', columnNames: ['created_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
  }
}
