import { ApiProperty } from '@nestjs/swagger';

export class BlackoutDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: '2030-12-24T00:00:00.000Z', description: 'first closed instant' })
  start_date!: string;
  @ApiProperty({ example: '2030-12-27T00:00:00.000Z', description: 'end of the closed span (exclusive)' })
  end_date!: string;
  @ApiProperty({ example: 'Holidays' }) reason!: string;
  @ApiProperty({ type: Number, nullable: true, example: null, description: 'set: closes this type only' })
  appointment_type_id!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: null,
    description: 'set: this member is busy (its types may still offer the time with another host)',
  })
  team_member_id!: number | null;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_created!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_modified!: string;
}
