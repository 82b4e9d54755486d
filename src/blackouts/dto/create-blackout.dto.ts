import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import {
  instant,
  IsPositiveId,
  IsText,
  Optional,
  positiveId,
  Satisfies,
} from '../../common/validation/validators';
import { BOTH_SCOPES, MAX_BLACKOUT_DAYS, spanProblem } from '../blackout.types';

function afterStart(end: unknown, body: object): string | null {
  const start = (body as CreateBlackoutDto).start_date;
  if (typeof start !== 'string' || instant(start) !== null) return null;
  return spanProblem(Date.parse(start), Date.parse(end as string));
}

function notBothScopes(memberId: unknown, body: object): string | null {
  const typeId = (body as CreateBlackoutDto).appointment_type_id;
  return memberId !== null && typeId !== undefined && typeId !== null ? BOTH_SCOPES : null;
}

export class CreateBlackoutDto {
  @ApiProperty({ example: '2030-12-24T00:00:00+01:00', format: 'date-time' })
  @Satisfies(instant)
  start_date!: string;

  @ApiProperty({
    example: '2030-12-27T00:00:00+01:00',
    format: 'date-time',
    description: `exclusive; after start_date and at most ${MAX_BLACKOUT_DAYS} days after it`,
  })
  @Satisfies(instant, afterStart)
  end_date!: string;

  @ApiPropertyOptional({ example: 'Holidays', maxLength: 500, default: '' })
  @Optional()
  @IsText(0, 500)
  reason?: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: null,
    description: 'close only this appointment type (default: neither id = the whole site)',
  })
  @IsOptional()
  @IsPositiveId()
  appointment_type_id?: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: null,
    description: 'make only this team member busy; not together with appointment_type_id',
  })
  @IsOptional()
  @Satisfies(positiveId, notBothScopes)
  team_member_id?: number | null;
}
