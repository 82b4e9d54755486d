import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import {
  DateOverrideDto,
  DateOverridesField,
  WeeklyAvailabilityDto,
  WeeklyAvailabilityField,
} from '../../common/schedules/schedule.dto';
import {
  IsEmailAddress,
  IsIntegerIn,
  IsText,
  IsTimeZone,
  MAX_EMAIL_LENGTH,
  Optional,
  Trimmed,
} from '../../common/validation/validators';
import { TEAM_MEMBER_STATUSES, type TeamMemberStatus } from '../team-member.types';

export class CreateTeamMemberDto {
  @ApiProperty({ example: 'Grace Hopper', maxLength: 200 })
  @Trimmed()
  @IsText(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'Grace', maxLength: 200, description: 'Default: the name' })
  @Optional()
  @Trimmed()
  @IsText(1, 200)
  display_name?: string;

  @ApiProperty({
    example: 'grace@example.com',
    maxLength: MAX_EMAIL_LENGTH,
    description: 'Unique (case-insensitive); stored lowercase',
  })
  @Trimmed()
  @IsEmailAddress()
  email!: string;

  @ApiPropertyOptional({
    example: 0,
    minimum: 0,
    maximum: 2147483647,
    default: 0,
    description: 'WordPress user id; 0 = none',
  })
  @Optional()
  @IsIntegerIn(0, 2147483647)
  wp_user_id?: number;

  @ApiPropertyOptional({ enum: TEAM_MEMBER_STATUSES, default: 'active' })
  @Optional()
  @IsIn(TEAM_MEMBER_STATUSES)
  status?: TeamMemberStatus;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description: "IANA time zone of the member's own hours; default DEFAULT_TIMEZONE",
  })
  @Optional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({
    type: WeeklyAvailabilityDto,
    nullable: true,
    example: { monday: [{ start: '09:00', end: '12:00' }] },
    description:
      "The member's own weekly hours in its time zone: it hosts only inside them (and inside the type's). " +
      'null or absent = free whenever the type offers',
  })
  @IsOptional()
  @WeeklyAvailabilityField()
  availability?: WeeklyAvailabilityDto | null;

  @DateOverridesField(
    "Local dates (member's time zone) whose windows replace the member's weekly ones; windows [] is a " +
      'day off. Needs availability. One per date; replaced whole on update; default none',
  )
  date_overrides?: DateOverrideDto[];
}
