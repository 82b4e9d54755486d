import { ApiProperty } from '@nestjs/swagger';
import { TEAM_MEMBER_STATUSES, type TeamMemberStatus } from '../team-member.types';

export class TeamMemberDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ example: 'Ada' }) display_name!: string;
  @ApiProperty({ example: 'ada@example.com', description: 'Unique, lowercase' }) email!: string;
  @ApiProperty({ example: 0, description: 'WordPress user id; 0 = none' }) wp_user_id!: number;
  @ApiProperty({ enum: TEAM_MEMBER_STATUSES }) status!: TeamMemberStatus;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_created!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_modified!: string;
}
