import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { Optional } from '../../common/validation/validators';

/** Trimmed before validation, so that a name of spaces is refused as empty. */
const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** Any subset of the fields. */
export class UpdateCustomerDto {
  @ApiPropertyOptional({ example: 'Grace Hopper', maxLength: 200 })
  @Optional()
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'grace@example.com', description: 'Unique (case-insensitive)' })
  @Optional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(320)
  @IsEmail({}, { message: 'must be an email address' })
  email?: string;
}
