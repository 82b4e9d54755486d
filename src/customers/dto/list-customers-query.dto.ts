import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination';
import { Optional } from '../../common/validation/validators';

export class ListCustomersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Exact email, case-insensitive, e.g. grace@example.com' })
  @Optional()
  @IsString()
  @MaxLength(320)
  email?: string;
}
