import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsLocalDate, IsTimeZone, Optional } from '../../common/validation/validators';

export class AvailabilityQuery {
  @ApiProperty({ example: '2030-01-07', description: 'first local date (type time zone), inclusive' })
  @IsLocalDate()
  start_date!: string;

  @ApiProperty({
    example: '2030-01-13',
    description: 'last local date, inclusive; at most 62 days after start_date',
  })
  @IsLocalDate()
  end_date!: string;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description: 'the viewer’s time zone for local_start; default the type’s',
  })
  @Optional()
  @IsTimeZone()
  timezone?: string;
}

export class SlotDto {
  @ApiProperty({ example: '2030-01-07T08:00:00.000Z' }) start_date!: string;
  @ApiProperty({ example: '2030-01-07T08:30:00.000Z' }) end_date!: string;
  @ApiProperty({ example: '2030-01-07T09:00:00+01:00' }) local_start!: string;
  @ApiProperty({ example: 1 }) seats_remaining!: number;
}

export class AvailabilityDto {
  @ApiProperty({ example: 1 }) appointment_type_id!: number;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone!: string;
  @ApiProperty({ type: [SlotDto] }) slots!: SlotDto[];
}
