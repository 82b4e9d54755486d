import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `appointments.announced_booked`: whether `appointment_booked` went out for the appointment, so that its
 * end is announced whichever path it takes to canceled. Appointments booked now were announced; for older
 * ones that left booked for a pending status nothing tells, and they keep the old rule.
 *
 * `webhook_deliveries.manual`: the pending attempt was asked for by hand (a test send or a redelivery queued
 * by an instance without a worker): the worker tries it once and leaves the webhook's health alone.
 */
export class AnnouncedBookedManualDeliveries1764190000013 implements MigrationInterface {
  name = 'AnnouncedBookedManualDeliveries1764190000013';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE appointments ADD COLUMN announced_booked boolean NOT NULL DEFAULT false',
    );
    await queryRunner.query("UPDATE appointments SET announced_booked = true WHERE status = 'booked'");
    await queryRunner.query(
      'ALTER TABLE webhook_deliveries ADD COLUMN manual boolean NOT NULL DEFAULT false',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE webhook_deliveries DROP COLUMN manual');
    await queryRunner.query('ALTER TABLE appointments DROP COLUMN announced_booked');
  }
}
