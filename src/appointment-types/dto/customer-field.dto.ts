import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsString, Length } from 'class-validator';
import { Optional, Satisfies } from '../../common/validation/validators';
import { CUSTOMER_FIELD_TYPES, CustomerField, CustomerFieldType } from '../appointment-type.types';

export class CustomerFieldDto implements CustomerField {
  @ApiProperty({ example: 'Phone', description: 'Unique within the type; Name and Email always exist' })
  @IsString()
  @Length(1, 100)
  @Satisfies<string>((label) =>
    typeof label === 'string' && ['name', 'email'].includes(label.trim().toLowerCase())
      ? 'Name and Email are built in; choose another label'
      : typeof label === 'string' && label.trim() in Object.prototype
        ? 'is reserved; choose another label'
        : null,
  )
  label!: string;

  @ApiProperty({ enum: CUSTOMER_FIELD_TYPES, example: 'phone' })
  @IsIn(CUSTOMER_FIELD_TYPES)
  type!: CustomerFieldType;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  required: boolean = false;

  @ApiPropertyOptional({ type: [String], example: [], description: 'The choices of a select field' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Satisfies<string[]>((options, field) =>
    (field as CustomerFieldDto).type === 'select' && (!Array.isArray(options) || options.length === 0)
      ? 'a select field needs at least one option'
      : null,
  )
  options: string[] = [];
}

export function uniqueLabels(fields: CustomerFieldDto[]): string | null {
  if (!Array.isArray(fields)) return null;
  const seen = new Set<string>();
  for (const field of fields) {
    const label = typeof field?.label === 'string' ? field.label.trim().toLowerCase() : '';
    if (label !== '' && seen.has(label)) return `label "${field.label}" is used twice`;
    seen.add(label);
  }
  return null;
}
