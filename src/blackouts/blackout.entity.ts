import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';

/** A closed span `[start_at, end_at)`: site-wide (no ids), for one type, or for one team member. */
@Entity('blackouts')
export class BlackoutEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @EpochMsColumn()
  start_at!: number;

  @EpochMsColumn()
  end_at!: number;

  @Column({ type: 'varchar', length: 500, default: '' })
  reason!: string;

  @Column({ type: 'integer', nullable: true })
  appointment_type_id!: number | null;

  @Column({ type: 'integer', nullable: true })
  team_member_id!: number | null;

  @EpochMsColumn()
  date_created!: number;

  @EpochMsColumn()
  date_modified!: number;
}
