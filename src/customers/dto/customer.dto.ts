import { ApiProperty } from '@nestjs/swagger';

export class CustomerDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'Grace Hopper' }) name!: string;
  @ApiProperty({ example: 'Grace@Example.com', description: 'Unique (case-insensitive); as given' })
  email!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_created!: string;
  @ApiProperty({ example: '2030-01-01T12:00:00.000Z' }) date_modified!: string;
}
