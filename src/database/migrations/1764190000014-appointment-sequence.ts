import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { int } from './columns';

/** The revision number of an appointment's calendar entry (RFC 5545 SEQUENCE): bumped when its time or status changes. */
export class AppointmentSequence1764190000014 implements MigrationInterface {
  name = 'AppointmentSequence1764190000014';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('appointments', new TableColumn(int('sequence', { default: 0 })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('appointments', 'sequence');
  }
}
