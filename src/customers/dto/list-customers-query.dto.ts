import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination';
import { Optional } from '../../common/validation/validators';

export class ListCustomersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'grace@example.com', description: 'Exact email, case-insensitive' })
  @Optional()
  @IsString()
  @MaxLength(320)
  email?: string;
}
