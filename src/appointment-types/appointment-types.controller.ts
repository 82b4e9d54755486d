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
import { AppointmentTypesService } from './appointment-types.service';
import { AppointmentTypeDto } from './dto/appointment-type.dto';
import { CreateAppointmentTypeDto } from './dto/create-appointment-type.dto';
import { UpdateAppointmentTypeDto } from './dto/update-appointment-type.dto';

@ApiTags('appointment types')
@ApiErrors('unauthorized')
@Controller('api/v1/appointment-types')
export class AppointmentTypesController {
  constructor(private readonly appointmentTypes: AppointmentTypesService) {}

  @Get()
  @ApiOperation({ summary: 'List appointment types' })
  @ApiPageResponse(AppointmentTypeDto)
  @ApiErrors('validation_failed')
  list(@Query() query: PageQueryDto): Promise<Page<AppointmentTypeDto>> {
    return this.appointmentTypes.list(query);
  }

  @Post()
  @ApiOperation({
    summary: 'Create an appointment type',
    description:
      'Only `title` and `duration` are required. The slug comes from the title (`consultation`, then ' +
      '`consultation-2`, …) unless given. With `team_member_ids` each slot offers `capacity` seats per free host.',
  })
  @ApiBody({
    type: CreateAppointmentTypeDto,
    examples: {
      'weekday mornings': {
        value: {
          title: 'Consultation',
          duration: 30,
          timezone: 'Europe/Berlin',
          availability: Object.fromEntries(
            ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [
              day,
              [{ start: '09:00', end: '12:00' }],
            ]),
          ),
          capacity: 1,
          team_member_ids: [],
        },
      },
    },
  })
  @ApiCreatedResponse({ type: AppointmentTypeDto })
  @ApiErrors('validation_failed', 'unknown_team_member', 'slug_taken')
  create(@Body() body: CreateAppointmentTypeDto): Promise<AppointmentTypeDto> {
    return this.appointmentTypes.create(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an appointment type' })
  @ApiOkResponse({ type: AppointmentTypeDto })
  @ApiErrors('validation_failed', 'not_found')
  get(@IdParam() id: number): Promise<AppointmentTypeDto> {
    return this.appointmentTypes.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an appointment type (only the fields given)' })
  // Its own example: the create form's, inherited, replaced the hosts, hours and notice of the type changed.
  @ApiBody({
    type: UpdateAppointmentTypeDto,
    examples: { 'a new description': { value: { description: 'A first talk of 30 minutes, by video.' } } },
  })
  @ApiOkResponse({ type: AppointmentTypeDto })
  @ApiErrors('validation_failed', 'unknown_team_member', 'not_found', 'slug_taken')
  update(@IdParam() id: number, @Body() body: UpdateAppointmentTypeDto): Promise<AppointmentTypeDto> {
    return this.appointmentTypes.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an appointment type that has no appointments' })
  @ApiNoContentResponse()
  @ApiErrors('validation_failed', 'not_found', 'appointment_type_in_use')
  async remove(@IdParam() id: number): Promise<void> {
    await this.appointmentTypes.remove(id);
  }
}
