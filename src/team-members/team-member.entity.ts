import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';
import type { WeeklyAvailability } from '../common/schedules/schedule.types';
import type { DateOverride } from '../common/schedules/schedule.types';
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

  /** IANA zone of the member's own windows; null (members from before schedules) = DEFAULT_TIMEZONE. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone!: string | null;

  /** The member's own weekly hours; null = free whenever the type offers. */
  @Column({ type: 'simple-json', nullable: true })
  availability!: WeeklyAvailability | null;

  /** Sorted by date; each replaces the member's weekly windows of that local date. */
  @Column({ type: 'simple-json' })
  date_overrides!: DateOverride[];

  @EpochMsColumn()
  date_created!: number;

  @EpochMsColumn()
  date_modified!: number;
}
