import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmailAddress, IsText, MAX_EMAIL_LENGTH, Optional } from '../../common/validation/validators';

/** Trimmed before validation, so that a name of spaces is refused as empty. */
const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** Any subset of the fields. */
export class UpdateCustomerDto {
  @ApiPropertyOptional({ example: 'Grace Hopper', maxLength: 200 })
  @Optional()
  @Transform(trimmed)
  @IsText(1, 200)
  name?: string;

  @ApiPropertyOptional({
    example: 'grace@example.com',
    maxLength: MAX_EMAIL_LENGTH,
    description: 'Unique (case-insensitive)',
  })
  @Optional()
  @Transform(trimmed)
  @IsEmailAddress()
  email?: string;
}
