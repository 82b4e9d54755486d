import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `appointments.announced_booked` is now cleared when the end of a booked appointment is announced, so that
 * the end goes out once (a canceled appointment moved to a pending status and canceled again announced
 * `appointment_canceled` twice). A canceled appointment with the flag set had its end announced, whatever path
 * it took: it is cleared here. An abandoned one keeps it (abandoning announced nothing before, and its receivers
 * still wait for the end), unless it was canceled on the way: its latest announcement of a beginning or an end
 * in the outbox is `appointment.canceled`. Events pruned from the outbox (after `OUTBOX_RETENTION_DAYS`) are
 * not seen: an appointment canceled, then abandoned before that, announces its end once more if it is
 * canceled again.
 *
 * `down` leaves the flags as they are: the code before this one announces nothing for a canceled appointment
 * with the flag cleared that is canceled again, which is right for one whose end went out.
 */
export class AnnouncedEnd1764190000033 implements MigrationInterface {
  name = 'AnnouncedEnd1764190000033';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE appointments SET announced_booked = false
      WHERE announced_booked = true AND (status = 'canceled' OR (status = 'abandoned' AND (
        SELECT e.name FROM outbox_events e
        WHERE e.stream_key = 'appointment:' || appointments.id
          AND e.name IN ('appointment.booked', 'appointment.canceled')
        ORDER BY e.id DESC LIMIT 1) = 'appointment.canceled'))`);
  }

  async down(): Promise<void> {}
}
