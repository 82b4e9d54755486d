import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { epochMs, id, int, text, varchar } from './columns';

export class Appointments1764190000002 implements MigrationInterface {
  name = 'Appointments1764190000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'appointments',
        columns: [
          id(),
          int('appointment_type_id'),
          int('customer_id'),
          text('customer_information'),
          varchar('customer_timezone', 64, { isNullable: true }),
          epochMs('start_at'),
          epochMs('end_at'),
          int('buffer_before', { default: 0 }),
          int('buffer_after', { default: 0 }),
          varchar('status', 20),
          text('team_member_ids'),
          { name: 'price_full', type: 'decimal', precision: 12, scale: 2, default: 0 },
          varchar('payment_method', 50, { isNullable: true }),
          { name: 'payment_received', type: 'decimal', precision: 12, scale: 2, default: 0 },
          varchar('web_meeting_url', 2000, { isNullable: true }),
          varchar('web_meeting_password', 200, { isNullable: true }),
          varchar('token', 64, { isUnique: true }),
          epochMs('date_created'),
          epochMs('date_modified'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_appointments_type_start',
            columnNames: ['appointment_type_id', 'start_at'],
          }),
          new TableIndex({ name: 'idx_appointments_customer', columnNames: ['customer_id'] }),
          new TableIndex({ name: 'idx_appointments_start', columnNames: ['start_at'] }),
        ],
        foreignKeys: [
          // Restrict: a type with appointments cannot be deleted out from under them.
          new TableForeignKey({
            columnNames: ['appointment_type_id'],
            referencedTableName: 'appointment_types',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
          }),
          new TableForeignKey({
            columnNames: ['customer_id'],
            referencedTableName: 'customers',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'appointment_hosts',
        columns: [
          int('appointment_id', { isPrimary: true }),
          int('team_member_id', { isPrimary: true }),
          epochMs('start_at'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_appointment_hosts_member_start',
            columnNames: ['team_member_id', 'start_at'],
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['appointment_id'],
            referencedTableName: 'appointments',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('appointment_hosts');
    await queryRunner.dropTable('appointments');
  }
}
