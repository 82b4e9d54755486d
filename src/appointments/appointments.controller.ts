import { Body, Controller, Get, Headers, HttpCode, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../common/http/api-errors';
import { IdParam } from '../common/http/id-param';
import { ApiIdempotencyKey } from '../idempotency/api-idempotency-key.decorator';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { ApiPageResponse, Page } from '../common/http/pagination';
import { AppointmentsService } from './appointments.service';
import { MAX_CANDIDATE_STARTS } from './availability/slot-engine';
import { AvailabilityService } from './availability.service';
import { AppointmentDto } from './dto/appointment.dto';
import { AvailabilityDto, AvailabilityQuery } from './dto/availability.dto';
import { CreateAppointmentDto } from './dto/create-appointment.dto';
import { ListAppointmentsQuery } from './dto/list-appointments.query';
import { UpdateAppointmentDto } from './dto/update-appointment.dto';
import { NoFieldsDto } from '../common/http/no-fields.dto';

@ApiTags('appointments')
@ApiErrors('unauthorized')
@Controller('api/v1/appointments')
export class AppointmentsController {
  constructor(
    private readonly appointments: AppointmentsService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List appointments (filters combine)' })
  @ApiPageResponse(AppointmentDto)
  @ApiErrors('validation_failed')
  list(@Query() query: ListAppointmentsQuery): Promise<Page<AppointmentDto>> {
    return this.appointments.list(query);
  }

  @Post()
  @ApiOperation({
    summary: 'Book an appointment (availability re-checked under a lock)',
    description:
      'Take `start_date` from the availability of the type. A start the type does not offer (off the grid, ' +
      "outside its hours or the hosts' hours, notice, horizon, or in a blackout) is 422 `slot_not_offered`, and a `draft` type refuses with 422 " +
      'too; a taken or full slot is 409 `slot_unavailable`. `ignore_availability: true` skips every rule ' +
      '(imports, manual overrides). ' +
      'The customer is matched by `customer_information.Email`.',
  })
  @ApiCreatedResponse({ type: AppointmentDto })
  @ApiIdempotencyKey()
  @ApiErrors(
    'validation_failed',
    'unknown_team_member',
    'slot_unavailable',
    'slot_not_offered',
    'appointment_type_not_published',
    'idempotency_key_invalid',
    'idempotency_key_reused',
  )
  async book(
    @Body() body: CreateAppointmentDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppointmentDto> {
    const result = await this.idempotency.run('appointments', key, request.body, 201, () =>
      this.appointments.book(body),
    );
    if (result.replayed) void reply.status(result.status).header('idempotent-replayed', 'true');
    return result.body;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an appointment' })
  @ApiOkResponse({ type: AppointmentDto })
  @ApiErrors('validation_failed', 'not_found')
  get(@IdParam() id: number): Promise<AppointmentDto> {
    return this.appointments.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit an appointment; a new start_date reschedules it' })
  // Its own example: the create form's, inherited, moved the appointment onto the start POST's example takes.
  @ApiBody({
    type: UpdateAppointmentDto,
    examples: {
      reschedule: {
        description: 'to another offered start of the README walkthrough’s type',
        value: { start_date: '2030-01-07T09:30:00.000Z' },
      },
    },
  })
  @ApiOkResponse({ type: AppointmentDto })
  @ApiErrors(
    'validation_failed',
    'unknown_team_member',
    'not_found',
    'slot_unavailable',
    'appointment_canceled',
    'slot_not_offered',
    'appointment_type_not_published',
  )
  update(@IdParam() id: number, @Body() body: UpdateAppointmentDto): Promise<AppointmentDto> {
    return this.appointments.update(id, body);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Cancel an appointment (frees its slot); canceling twice changes nothing. The body takes no fields',
  })
  @ApiBody({ type: NoFieldsDto, required: false, description: 'Takes no fields' })
  @ApiOkResponse({ type: AppointmentDto })
  @ApiErrors('validation_failed', 'not_found')
  cancel(@IdParam() id: number, @Body() _body: NoFieldsDto): Promise<AppointmentDto> {
    return this.appointments.cancel(id);
  }
}

@ApiTags('appointment types')
@ApiErrors('unauthorized')
@Controller('api/v1/appointment-types')
export class AvailabilityController {
  constructor(private readonly availability: AvailabilityService) {}

  @Get(':id/availability')
  @ApiOperation({
    summary: 'Bookable slots of a type between two local dates (inclusive, at most 62 days)',
    description:
      "Dates are local to the type's time zone; `timezone` only changes each slot's `local_start`. " +
      '`seats_remaining` counts the bookings still accepted at that start over all free hosts (capacity per ' +
      'host). A `draft` type, or one whose hosts are all inactive, offers nothing. One request covers at most ' +
      `${MAX_CANDIDATE_STARTS} candidate starts of the type's grid (6 days of a 24-hour 1-minute grid, ` +
      '62 days of a 24-hour 15-minute one); a wider range is refused with 400 availability_range_too_large.',
  })
  @ApiOkResponse({ type: AvailabilityDto })
  @ApiErrors('validation_failed', 'availability_range_too_large', 'not_found')
  get(
    @IdParam() id: number,
    @Query() query: AvailabilityQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // Already JSON: serialized in slices by the service rather than in one piece after it.
    void reply.type('application/json; charset=utf-8');
    return this.availability.availabilityJson(id, query);
  }
}
