import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';

/**
 * The body of one event's deliveries, stored once: `head` + the webhook's token as a JSON string + `tail` is
 * each delivery's body (see `ssaBodyTemplate`). Deliveries with `shared_body` refer to it by `event_id`.
 */
@Entity('webhook_event_bodies')
@Index('uq_webhook_event_bodies_event', ['event_id'], { unique: true })
export class WebhookEventBodyEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  event_id!: number;

  @Column({ type: 'text' })
  head!: string;

  @Column({ type: 'text' })
  tail!: string;

  @EpochMsColumn()
  date_created!: number;
}
