import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors';
import { IdParam } from '../common/http/id-param';
import { ApiPageResponse, Page, PageQueryDto } from '../common/http/pagination';
import { CreateTeamMemberDto } from './dto/create-team-member.dto';
import { TeamMemberDto } from './dto/team-member.dto';
import { UpdateTeamMemberDto } from './dto/update-team-member.dto';
import { TeamMembersService } from './team-members.service';

@ApiTags('team members')
@ApiErrors('unauthorized')
@Controller('api/v1/team-members')
export class TeamMembersController {
  constructor(private readonly teamMembers: TeamMembersService) {}

  @Get()
  @ApiOperation({ summary: 'List team members' })
  @ApiPageResponse(TeamMemberDto)
  @ApiErrors('validation_failed')
  list(@Query() query: PageQueryDto): Promise<Page<TeamMemberDto>> {
    return this.teamMembers.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a team member' })
  @ApiCreatedResponse({ type: TeamMemberDto })
  @ApiErrors('validation_failed', 'email_taken')
  create(@Body() body: CreateTeamMemberDto): Promise<TeamMemberDto> {
    return this.teamMembers.create(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a team member' })
  @ApiOkResponse({ type: TeamMemberDto })
  @ApiErrors('validation_failed', 'not_found')
  get(@IdParam() id: number): Promise<TeamMemberDto> {
    return this.teamMembers.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a team member (only the fields given)' })
  // Its own example: the create form's, inherited, was 409 email_taken after POST's, and alone renamed member 1
  // (the walkthrough's Ada) and cut her hours to Monday mornings.
  @ApiBody({
    type: UpdateTeamMemberDto,
    examples: { 'a shorter display name': { value: { display_name: 'Ada L.' } } },
  })
  @ApiOkResponse({ type: TeamMemberDto })
  @ApiErrors('validation_failed', 'not_found', 'email_taken')
  update(@IdParam() id: number, @Body() body: UpdateTeamMemberDto): Promise<TeamMemberDto> {
    return this.teamMembers.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a team member',
    description:
      'The member is removed from the hosts of appointment types and unassigned from future appointments.',
  })
  @ApiNoContentResponse()
  @ApiErrors('validation_failed', 'not_found')
  async remove(@IdParam() id: number): Promise<void> {
    await this.teamMembers.remove(id);
  }
}
