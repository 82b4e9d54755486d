import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn } from 'class-validator';
import {
  IsEmailAddress,
  IsIntegerIn,
  IsText,
  MAX_EMAIL_LENGTH,
  Optional,
} from '../../common/validation/validators';
import { TEAM_MEMBER_STATUSES, type TeamMemberStatus } from '../team-member.types';

/** Trimmed before validation, so that a name of spaces is refused as empty. */
const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export class CreateTeamMemberDto {
  @ApiProperty({ example: 'Ada Lovelace', maxLength: 200 })
  @Transform(trimmed)
  @IsText(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'Ada', maxLength: 200, description: 'Default: the name' })
  @Optional()
  @Transform(trimmed)
  @IsText(1, 200)
  display_name?: string;

  @ApiProperty({
    example: 'ada@example.com',
    maxLength: MAX_EMAIL_LENGTH,
    description: 'Unique (case-insensitive); stored lowercase',
  })
  @Transform(trimmed)
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
}
