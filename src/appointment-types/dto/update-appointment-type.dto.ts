import { PartialType } from '@nestjs/swagger';
import { CreateAppointmentTypeDto } from './create-appointment-type.dto';

/** Any subset of the fields; `availability`, `date_overrides`, `customer_fields` and `team_member_ids` are replaced whole. */
export class UpdateAppointmentTypeDto extends PartialType(CreateAppointmentTypeDto, {
  skipNullProperties: false,
}) {}
