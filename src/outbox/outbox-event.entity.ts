import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';

@Entity('outbox_events')
export class OutboxEventEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'text' })
  payload!: string;

  @EpochMsColumn()
  occurred_at!: number;

  @EpochMsColumn({ nullable: true })
  handled_at!: number | null;

  @EpochMsColumn({ nullable: true })
  claimed_until!: number | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'text', nullable: true })
  last_error!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  stream_key!: string | null;

  /** A failed event is not tried again before this time (exponential back-off). */
  @EpochMsColumn({ nullable: true })
  next_attempt_at!: number | null;
}
