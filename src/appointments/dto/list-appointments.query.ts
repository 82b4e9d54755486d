import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
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
}
