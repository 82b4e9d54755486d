import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { epochMs, id, int, varchar } from './columns';

/** Team members (the hosts of appointment types) and customers (created by bookings, matched by email). */
export class TeamMembersCustomers1764190000001 implements MigrationInterface {
  name = 'TeamMembersCustomers1764190000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'team_members',
        columns: [
          id(),
          varchar('name', 200),
          varchar('display_name', 200),
          varchar('email', 320),
          int('wp_user_id', { default: 0 }),
          varchar('status', 16),
          epochMs('date_created'),
          epochMs('date_modified'),
        ],
        indices: [new TableIndex({ name: 'uq_team_members_email', columnNames: ['email'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'customers',
        columns: [
          id(),
          varchar('name', 200),
          varchar('email', 320),
          varchar('email_normalized', 320),
          epochMs('date_created'),
          epochMs('date_modified'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_customers_email_normalized',
            columnNames: ['email_normalized'],
            isUnique: true,
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('customers');
    await queryRunner.dropTable('team_members');
  }
}
