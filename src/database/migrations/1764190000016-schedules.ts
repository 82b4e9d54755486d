import { MigrationInterface, QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { epochMs, id, int, text, varchar } from './columns';

/**
 * Schedules: date overrides on types, members' own hours, and blackouts. Members stored before this keep
 * a null zone, read as DEFAULT_TIMEZONE.
 */
export class Schedules1764190000016 implements MigrationInterface {
  name = 'Schedules1764190000016';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'appointment_types',
      new TableColumn(text('date_overrides', { default: "'[]'" })),
    );
    await queryRunner.addColumns('team_members', [
      new TableColumn(varchar('timezone', 64, { isNullable: true })),
      new TableColumn(text('availability', { isNullable: true })),
      new TableColumn(text('date_overrides', { default: "'[]'" })),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'blackouts',
        columns: [
          id(),
          epochMs('start_at'),
          epochMs('end_at'),
          varchar('reason', 500, { default: "''" }),
          int('appointment_type_id', { isNullable: true }),
          int('team_member_id', { isNullable: true }),
          epochMs('date_created'),
          epochMs('date_modified'),
        ],
        indices: [
          // Overlap queries bound start_at on both sides (blackouts are at most 366 days long).
          new TableIndex({ name: 'idx_blackouts_start', columnNames: ['start_at'] }),
          new TableIndex({ name: 'idx_blackouts_type', columnNames: ['appointment_type_id'] }),
          new TableIndex({ name: 'idx_blackouts_member', columnNames: ['team_member_id'] }),
        ],
        foreignKeys: [
          // A blackout of a deleted type or member has nothing left to close.
          new TableForeignKey({
            columnNames: ['appointment_type_id'],
            referencedTableName: 'appointment_types',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
          new TableForeignKey({
            columnNames: ['team_member_id'],
            referencedTableName: 'team_members',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('blackouts');
    await queryRunner.dropColumns('team_members', ['date_overrides', 'availability', 'timezone']);
    await queryRunner.dropColumn('appointment_types', 'date_overrides');
  }
}
