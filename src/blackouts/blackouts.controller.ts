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
import { BlackoutsService } from './blackouts.service';
import { BlackoutDto } from './dto/blackout.dto';
import { CreateBlackoutDto } from './dto/create-blackout.dto';
import { UpdateBlackoutDto } from './dto/update-blackout.dto';

@ApiTags('blackouts')
@ApiErrors('unauthorized')
@Controller('api/v1/blackouts')
export class BlackoutsController {
  constructor(private readonly blackouts: BlackoutsService) {}

  @Get()
  @ApiOperation({ summary: 'List blackouts (by start)' })
  @ApiPageResponse(BlackoutDto)
  @ApiErrors('validation_failed')
  list(@Query() query: PageQueryDto): Promise<Page<BlackoutDto>> {
    return this.blackouts.list(query);
  }

  @Post()
  @ApiOperation({
    summary: 'Close a span of time',
    description:
      'No slot whose time `[start, start + duration)` overlaps `[start_date, end_date)` is offered or booked. ' +
      'Neither id: the whole site; `appointment_type_id`: that type; `team_member_id`: that member is busy ' +
      '(a type with other free hosts still offers the time). Existing appointments are kept (see ' +
      '`GET /api/v1/appointments?conflicts=true`), and nothing is announced to webhooks.',
  })
  @ApiCreatedResponse({ type: BlackoutDto })
  @ApiErrors('validation_failed', 'unknown_team_member')
  create(@Body() body: CreateBlackoutDto): Promise<BlackoutDto> {
    return this.blackouts.create(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a blackout' })
  @ApiOkResponse({ type: BlackoutDto })
  @ApiErrors('validation_failed', 'not_found')
  get(@IdParam() id: number): Promise<BlackoutDto> {
    return this.blackouts.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a blackout (only the fields given; null clears a scope id)' })
  // Its own example: the create form's, inherited, moved blackout 1 and, its scope ids null, closed the whole site.
  @ApiBody({
    type: UpdateBlackoutDto,
    examples: { 'a new reason': { value: { reason: 'Closed for training' } } },
  })
  @ApiOkResponse({ type: BlackoutDto })
  @ApiErrors('validation_failed', 'unknown_team_member', 'not_found')
  update(@IdParam() id: number, @Body() body: UpdateBlackoutDto): Promise<BlackoutDto> {
    return this.blackouts.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a blackout (reopens its time)' })
  @ApiNoContentResponse()
  @ApiErrors('validation_failed', 'not_found')
  async remove(@IdParam() id: number): Promise<void> {
    await this.blackouts.remove(id);
  }
}
