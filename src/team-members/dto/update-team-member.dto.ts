import { PartialType } from '@nestjs/swagger';
import { CreateTeamMemberDto } from './create-team-member.dto';

/** Any subset of the fields. */
export class UpdateTeamMemberDto extends PartialType(CreateTeamMemberDto, { skipNullProperties: false }) {}
