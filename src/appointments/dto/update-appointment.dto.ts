import { ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { APPOINTMENT_STATUSES, type AppointmentStatus } from '../events/appointment-snapshot';
import { Optional } from '../../common/validation/validators';
import { CreateAppointmentDto } from './create-appointment.dto';

/**
 * Any subset of the fields. A new `start_date` reschedules (re-checked like a booking unless
 * `ignore_availability`); `customer_information` is replaced whole.
 */
export class UpdateAppointmentDto extends PartialType(
  OmitType(CreateAppointmentDto, ['appointment_type_id', 'status'] as const),
  {
    skipNullProperties: false,
  },
) {
  @ApiPropertyOptional({ enum: APPOINTMENT_STATUSES })
  @Optional()
  @IsIn(APPOINTMENT_STATUSES)
  status?: AppointmentStatus;
}
