import { ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/http/pagination';
import { IsText, MAX_EMAIL_LENGTH, Optional } from '../../common/validation/validators';

export class ListCustomersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Exact email, case-insensitive, e.g. grace@example.com' })
  @Optional()
  @IsText(0, MAX_EMAIL_LENGTH)
  email?: string;
}
