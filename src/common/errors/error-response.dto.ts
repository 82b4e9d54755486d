import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'timezone' })
  field!: string;

  @ApiProperty({ example: 'must be an IANA time zone such as Europe/Berlin' })
  message!: string;
}

export class ErrorResponseDto {
  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({ example: 'Conflict' })
  error!: string;

  @ApiProperty({ example: 'slug_taken', description: 'Stable machine-readable code' })
  code!: string;

  @ApiProperty({ example: 'slug "intro-call" is already used by another appointment type' })
  message!: string;

  @ApiProperty({ example: '6f1c2a9e-3d4b-4f7a-9a51-0c2d9b7e8f10' })
  request_id!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Each invalid field (400 only)' })
  details?: FieldErrorDto[];
}
