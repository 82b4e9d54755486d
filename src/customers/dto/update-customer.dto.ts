import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmailAddress,
  IsText,
  MAX_EMAIL_LENGTH,
  Optional,
  Trimmed,
} from '../../common/validation/validators';

/** Any subset of the fields. */
export class UpdateCustomerDto {
  @ApiPropertyOptional({ example: 'Grace Hopper', maxLength: 200 })
  @Optional()
  @Trimmed()
  @IsText(1, 200)
  name?: string;

  @ApiPropertyOptional({
    example: 'grace@example.com',
    maxLength: MAX_EMAIL_LENGTH,
    description: 'Unique (case-insensitive)',
  })
  @Optional()
  @Trimmed()
  @IsEmailAddress()
  email?: string;
}
