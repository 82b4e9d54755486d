import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Min } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination';
import { IsInstant, Optional } from '../../common/validation/validators';
import { APPOINTMENT_STATUSES, type AppointmentStatus } from '../events/appointment-snapshot';

export class ListAppointmentsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: APPOINTMENT_STATUSES })
  @Optional()
  @IsIn(APPOINTMENT_STATUSES)
  status?: AppointmentStatus;

  @ApiPropertyOptional()
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  appointment_type_id?: number;

  @ApiPropertyOptional()
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  team_member_id?: number;

  @ApiPropertyOptional()
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
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
