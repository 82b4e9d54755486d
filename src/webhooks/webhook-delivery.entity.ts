import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';
import type { DeliveryStatus, WebhookTrigger } from './webhook.types';

@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  webhook_id!: number;

  /** The outbox event; null for test sends. Unique per webhook so that a replayed event adds nothing. */
  @Column({ type: 'integer', nullable: true })
  event_id!: number | null;

  @Column({ type: 'varchar', length: 40 })
  action!: WebhookTrigger;

  @Column({ type: 'integer', nullable: true })
  appointment_id!: number | null;

  @Column({ type: 'varchar', length: 16 })
  status!: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempt_count!: number;

  /**
   * The pending attempt was asked for by hand (a test send, a redelivery of a finished delivery) on an
   * instance without a worker: it is tried once, and leaves the webhook's health alone.
   */
  @Column({ type: 'boolean', default: false })
  manual!: boolean;

  /** When the worker may take it; null once it is done (and for test sends, which are never retried). */
  @EpochMsColumn({ nullable: true })
  next_attempt_at!: number | null;

  /** Set by the instance that is sending it; after it passes, another instance may take over. */
  @EpochMsColumn({ nullable: true })
  lease_until!: number | null;

  @Column({ type: 'integer', nullable: true })
  last_status_code!: number | null;

  @Column({ type: 'text', nullable: true })
  last_error!: string | null;

  /**
   * The exact body, frozen when the event happened: every attempt sends these bytes. Empty when
   * `shared_body`: the body is then its event's (`webhook_event_bodies`) with the webhook's token spliced in,
   * as the repositories hand it out (see `delivery/shared-bodies.ts`).
   */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'boolean', default: false })
  shared_body!: boolean;

  @EpochMsColumn()
  date_created!: number;

  @EpochMsColumn({ nullable: true })
  delivered_at!: number | null;
}
