import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn, MoneyColumn } from '../database/columns';
import type { AppointmentStatus } from './events/appointment-snapshot';

export type CustomerInformation = Record<string, string | number | boolean>;

@Entity('appointments')
@Index('idx_appointments_type_start', ['appointment_type_id', 'start_at', 'end_at'])
export class AppointmentEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  appointment_type_id!: number;

  @Column({ type: 'integer' })
  customer_id!: number;

  @Column({ type: 'simple-json' })
  customer_information!: CustomerInformation;

  @Column({ type: 'varchar', length: 64, nullable: true })
  customer_timezone!: string | null;

  @EpochMsColumn()
  start_at!: number;

  @EpochMsColumn()
  end_at!: number;

  /** The type's buffers when booked: an appointment keeps the buffers it was booked with. */
  @Column({ type: 'integer', default: 0 })
  buffer_before!: number;

  @Column({ type: 'integer', default: 0 })
  buffer_after!: number;

  @Column({ type: 'varchar', length: 20 })
  status!: AppointmentStatus;

  @Column({ type: 'simple-json' })
  team_member_ids!: number[];

  @MoneyColumn({ default: 0 })
  price_full!: number;

  @Column({ type: 'varchar', length: 50, nullable: true })
  payment_method!: string | null;

  @MoneyColumn({ default: 0 })
  payment_received!: number;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  web_meeting_url!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  web_meeting_password!: string | null;

  /**
   * Set once `appointment.booked` is published: its receivers then hear the end, by whatever path it comes;
   * cleared when that end (`appointment.canceled`) is published, so it is announced once.
   */
  @Column({ type: 'boolean', default: false })
  announced_booked!: boolean;

  /** The customer's secret for the public change page; 192 random bits. */
  @Column({ type: 'varchar', length: 64, unique: true })
  token!: string;

  @EpochMsColumn()
  date_created!: number;

  @EpochMsColumn()
  date_modified!: number;

  /** The calendar entry's revision (RFC 5545 SEQUENCE): bumped when the time or the status changes. */
  @Column({ type: 'integer', default: 0 })
  sequence!: number;
}

/** One row per host of an appointment, so that "what is this host doing then" is an indexed range query. */
@Entity('appointment_hosts')
@Index('idx_appointment_hosts_member_start', ['team_member_id', 'start_at'])
export class AppointmentHostEntity {
  @Column({ type: 'integer', primary: true })
  appointment_id!: number;

  @Column({ type: 'integer', primary: true })
  team_member_id!: number;

  @EpochMsColumn()
  start_at!: number;
}
