import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';
import type { TeamMemberStatus } from './team-member.types';

@Entity('team_members')
@Index('uq_team_members_email', ['email'], { unique: true })
export class TeamMemberEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 200 })
  display_name!: string;

  /** Trimmed and lowercase. */
  @Column({ type: 'varchar', length: 320 })
  email!: string;

  @Column({ type: 'integer', default: 0 })
  wp_user_id!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: TeamMemberStatus;

  @EpochMsColumn()
  date_created!: number;

  @EpochMsColumn()
  date_modified!: number;
}
