import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';
import type { WebhookTrigger } from './webhook.types';

@Entity('webhooks')
export class WebhookEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'varchar', length: 2000 })
  url!: string;

  @Column({ type: 'simple-json' })
  triggers!: WebhookTrigger[];

  @Column({ type: 'simple-json' })
  appointment_type_ids!: number[];

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'text', nullable: true })
  disabled_reason!: string | null;

  @Column({ type: 'varchar', length: 24 })
  token!: string;

  @Column({ type: 'varchar', length: 200 })
  secret!: string;

  /** The secret before the last rotation; deliveries are signed with it too until it expires. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  previous_secret!: string | null;

  @EpochMsColumn({ nullable: true })
  previous_secret_expires_at!: number | null;

  /** The first failed attempt since the last success; null while the receiver is healthy. */
  @EpochMsColumn({ nullable: true })
  failing_since!: number | null;

  @EpochMsColumn()
  date_created!: number;

  @EpochMsColumn()
  date_modified!: number;
}
