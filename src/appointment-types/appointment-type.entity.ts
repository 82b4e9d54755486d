import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn, MoneyColumn } from '../database/columns';
import type { DateOverride } from '../common/schedules/schedule.types';
import type { CustomerField, WeeklyAvailability } from './appointment-type.types';

@Entity('appointment_types')
export class AppointmentTypeEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'varchar', length: 200, unique: true })
  slug!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: 'publish' | 'draft';

  @Column({ type: 'varchar', length: 64 })
  timezone!: string;

  @Column({ type: 'integer' })
  duration!: number;

  @Column({ type: 'integer' })
  availability_increment!: number;

  @Column({ type: 'integer', default: 0 })
  buffer_before!: number;

  @Column({ type: 'integer', default: 0 })
  buffer_after!: number;

  @Column({ type: 'integer', default: 0 })
  min_booking_notice!: number;

  @Column({ type: 'integer', nullable: true })
  max_booking_notice!: number | null;

  @Column({ type: 'integer', default: 0 })
  max_event_count!: number;

  @Column({ type: 'integer', default: 1 })
  capacity!: number;

  @Column({ type: 'simple-json' })
  availability!: WeeklyAvailability;

  /** Sorted by date; each replaces the weekly windows of that local date. */
  @Column({ type: 'simple-json' })
  date_overrides!: DateOverride[];

  @Column({ type: 'simple-json' })
  team_member_ids!: number[];

  @MoneyColumn({ default: 0 })
  price!: number;

  @Column({ type: 'varchar', length: 3, default: 'USD' })
  currency!: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  web_meeting_url!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  web_meeting_password!: string | null;

  @Column({ type: 'simple-json' })
  customer_fields!: CustomerField[];

  @EpochMsColumn()
  date_created!: number;

  @EpochMsColumn()
  date_modified!: number;
}
