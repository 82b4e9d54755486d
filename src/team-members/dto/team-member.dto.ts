import { ApiProperty } from '@nestjs/swagger';
import { DateOverrideDto, WeeklyAvailabilityDto } from '../../common/schedules/schedule.dto';
import { TEAM_MEMBER_STATUSES, type TeamMemberStatus } from '../team-member.types';

export class TeamMemberDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ example: 'Ada' }) display_name!: string;
  @ApiProperty({ example: 'ada@example.com', description: 'Unique, lowercase' }) email!: string;
  @ApiProperty({ example: 0, description: 'WordPress user id; 0 = none' }) wp_user_id!: number;
  @ApiProperty({ enum: TEAM_MEMBER_STATUSES }) status!: TeamMemberStatus;
  @ApiProperty({ example: 'Europe/Berlin', description: "IANA zone of the member's own hours" })
  timezone!: string;
  @ApiProperty({
    type: WeeklyAvailabilityDto,
    nullable: true,
    description: "the member's own weekly hours; null = free whenever the type offers",
  })
  availability!: WeeklyAvailabilityDto | null;
  @ApiProperty({ type: [DateOverrideDto], description: 'sorted by date; each replaces that local date' })
  date_overrides!: DateOverrideDto[];
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_created!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_modified!: string;
}
