import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination';
import { IsInstant, IsPositiveId, Optional, QueryId } from '../../common/validation/validators';
import { APPOINTMENT_STATUSES, type AppointmentStatus } from '../events/appointment-snapshot';

export class ListAppointmentsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: APPOINTMENT_STATUSES })
  @Optional()
  @IsIn(APPOINTMENT_STATUSES)
  status?: AppointmentStatus;

  @ApiPropertyOptional()
  @Optional()
  @QueryId()
  @IsPositiveId()
  appointment_type_id?: number;

  @ApiPropertyOptional()
  @Optional()
  @QueryId()
  @IsPositiveId()
  team_member_id?: number;

  @ApiPropertyOptional()
  @Optional()
  @QueryId()
  @IsPositiveId()
  customer_id?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'start_date >= this, e.g. 2030-01-01T00:00:00Z' })
  @Optional()
  @IsInstant()
  start_after?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'start_date < this, e.g. 2030-02-01T00:00:00Z' })
  @Optional()
  @IsInstant()
  start_before?: string;

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'true: only active (booked or pending) future appointments that no longer fit their schedule (a ' +
      'blackout, a date override or hours changed after booking); each carries `schedule_conflict`. Other ' +
      'filters combine with it',
  })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'must be true or false' })
  conflicts?: boolean;
}
