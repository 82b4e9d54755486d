import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';

@Entity('webhook_delivery_attempts')
export class WebhookDeliveryAttemptEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  delivery_id!: number;

  @Column({ type: 'integer' })
  attempt_number!: number;

  @EpochMsColumn()
  started_at!: number;

  @Column({ type: 'integer' })
  duration_ms!: number;

  @Column({ type: 'integer', nullable: true })
  status_code!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** The first 4 KB of what the receiver answered. */
  @Column({ type: 'text', nullable: true })
  response_body!: string | null;
}
