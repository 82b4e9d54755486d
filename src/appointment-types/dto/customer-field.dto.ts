import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn } from 'class-validator';
import {
  isBuiltInName,
  Optional,
  Satisfies,
  text,
  textList,
  Trimmed,
} from '../../common/validation/validators';
import { CUSTOMER_FIELD_TYPES, CustomerField, CustomerFieldType } from '../appointment-type.types';

export const MAX_CUSTOMER_FIELDS = 50;
export const MAX_OPTIONS = 100;
const MAX_OPTION_LENGTH = 200;

function notBuiltIn(label: unknown): string | null {
  const trimmed = (label as string).trim();
  if (['name', 'email'].includes(trimmed.toLowerCase()))
    return 'Name and Email are built in; choose another label';
  return isBuiltInName(trimmed) ? 'is reserved; choose another label' : null;
}

export class CustomerFieldDto implements CustomerField {
  @ApiProperty({
    example: 'Phone',
    maxLength: 100,
    description: 'Unique within the type; Name and Email always exist',
  })
  @Trimmed()
  @Satisfies(text(1, 100), notBuiltIn)
  label!: string;

  @ApiProperty({ enum: CUSTOMER_FIELD_TYPES, example: 'phone' })
  @IsIn(CUSTOMER_FIELD_TYPES)
  type!: CustomerFieldType;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  required: boolean = false;

  @ApiPropertyOptional({
    type: [String],
    example: [],
    maxItems: MAX_OPTIONS,
    description: `The choices of a select field: each 1 to ${MAX_OPTION_LENGTH} characters, not white space alone, no two the same once trimmed`,
  })
  @Optional()
  @Satisfies(textList(MAX_OPTIONS, MAX_OPTION_LENGTH), (options: unknown, field) =>
    (field as CustomerFieldDto).type === 'select' && (options as string[]).length === 0
      ? 'a select field needs at least one option'
      : null,
  )
  options: string[] = [];
}

export function uniqueLabels(fields: unknown): string | null {
  const seen = new Set<string>();
  for (const field of fields as CustomerFieldDto[]) {
    const label = typeof field.label === 'string' ? field.label.trim().toLowerCase() : '';
    if (label !== '' && seen.has(label)) return `label "${field.label}" is used twice`;
    seen.add(label);
  }
  return null;
}
