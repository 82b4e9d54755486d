import { PartialType } from '@nestjs/swagger';
import { CreateBlackoutDto } from './create-blackout.dto';

/** Any subset of the fields; the result is checked as a whole (span, one scope). */
export class UpdateBlackoutDto extends PartialType(CreateBlackoutDto, { skipNullProperties: false }) {}
