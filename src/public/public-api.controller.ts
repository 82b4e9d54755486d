import {
  Body,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AvailabilityDto, AvailabilityQuery } from '../appointments/dto/availability.dto';
import { Public } from '../common/auth/public.decorator';
import { ApiErrors } from '../common/http/api-errors';
import { NoFieldsDto } from '../common/http/no-fields.dto';
import { AppConfig } from '../config/app-config';
import { ApiIdempotencyKey } from '../idempotency/api-idempotency-key.decorator';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { calendarFile } from './calendar-file';
import {
  PublicAppointmentDto,
  PublicAppointmentTypeDto,
  PublicBookingDto,
  PublicRescheduleDto,
} from './dto/public.dto';
import { PublicBookingService } from './public-booking.service';
import { toPublicAppointment, toPublicAppointmentType } from './public.mapper';
import { PublicRateLimitGuard } from './rate-limit.guard';
import { SlugParam } from './slug-param';

@ApiTags('public')
@Public()
@UseGuards(PublicRateLimitGuard)
@ApiErrors('rate_limited')
@Controller('api/v1/public')
export class PublicApiController {
  constructor(
    private readonly booking: PublicBookingService,
    private readonly config: AppConfig,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Get('appointment-types/:slug')
  @ApiOperation({ summary: 'A published appointment type, as a booking page shows it' })
  @ApiOkResponse({ type: PublicAppointmentTypeDto })
  @ApiErrors('not_found')
  async type(@SlugParam() slug: string): Promise<PublicAppointmentTypeDto> {
    return toPublicAppointmentType(await this.booking.publishedType(slug), this.config.siteUrl);
  }

  @Get('appointment-types/:slug/availability')
  @ApiOperation({ summary: 'Bookable slots; `timezone` (the viewer’s) shapes local_start' })
  @ApiOkResponse({ type: AvailabilityDto })
  @ApiErrors('validation_failed', 'not_found')
  availability(
    @SlugParam() slug: string,
    @Query() query: AvailabilityQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // Already JSON: serialized in slices by the service rather than in one piece after it.
    void reply.type('application/json; charset=utf-8');
    return this.booking.availabilityJson(slug, query);
  }

  @Post('appointment-types/:slug/bookings')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Book an offered slot (availability always enforced)' })
  @ApiCreatedResponse({ type: PublicAppointmentDto })
  @ApiIdempotencyKey()
  @ApiErrors(
    'validation_failed',
    'not_found',
    'slot_unavailable',
    'slot_not_offered',
    'idempotency_key_invalid',
    'idempotency_key_reused',
  )
  async book(
    @SlugParam() slug: string,
    @Body() body: PublicBookingDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PublicAppointmentDto> {
    const result = await this.idempotency.run(
      'public-bookings',
      key,
      { slug, body: request.body },
      201,
      async () => {
        const { token, found } = await this.booking.book(slug, body);
        return toPublicAppointment(found, token, this.config.siteUrl);
      },
    );
    if (result.replayed) void reply.status(result.status).header('idempotent-replayed', 'true');
    return result.body;
  }

  @Get('appointments/:token')
  @Header('cache-control', 'no-store')
  @Header('referrer-policy', 'no-referrer')
  @ApiOperation({ summary: 'The customer’s appointment, by its secret token' })
  @ApiOkResponse({ type: PublicAppointmentDto })
  @ApiErrors('not_found')
  async get(@Param('token') token: string): Promise<PublicAppointmentDto> {
    return toPublicAppointment(await this.booking.byToken(token), token, this.config.siteUrl);
  }

  @Get('appointments/:token/availability')
  @Header('cache-control', 'no-store')
  @Header('referrer-policy', 'no-referrer')
  @ApiOperation({
    summary:
      'The starts the appointment may be moved to: its type’s slots with its own seat free (its own time and ' +
      'those overlapping it included); query as the type’s availability',
  })
  @ApiOkResponse({ type: AvailabilityDto })
  @ApiErrors(
    'validation_failed',
    'not_found',
    'appointment_canceled',
    'appointment_started',
    'slot_not_offered',
  )
  moveOptions(
    @Param('token') token: string,
    @Query() query: AvailabilityQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    void reply.type('application/json; charset=utf-8');
    return this.booking.moveOptionsJson(token, query);
  }

  @Post('appointments/:token/cancel')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Cancel (frees the slot); canceling twice changes nothing; not once the appointment has begun',
  })
  @ApiBody({ type: NoFieldsDto, required: false, description: 'Takes no fields' })
  @ApiOkResponse({ type: PublicAppointmentDto })
  @ApiErrors('validation_failed', 'not_found', 'appointment_started')
  async cancel(@Param('token') token: string, @Body() _body: NoFieldsDto): Promise<PublicAppointmentDto> {
    return toPublicAppointment(await this.booking.cancel(token), token, this.config.siteUrl);
  }

  @Post('appointments/:token/reschedule')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Move to another offered slot (422 slot_not_offered for any other start)' })
  @ApiOkResponse({ type: PublicAppointmentDto })
  @ApiErrors(
    'validation_failed',
    'not_found',
    'slot_unavailable',
    'appointment_canceled',
    'appointment_started',
    'slot_not_offered',
  )
  async reschedule(
    @Param('token') token: string,
    @Body() body: PublicRescheduleDto,
  ): Promise<PublicAppointmentDto> {
    return toPublicAppointment(
      await this.booking.reschedule(token, body.start_date),
      token,
      this.config.siteUrl,
    );
  }

  @Get('appointments/:token/calendar.ics')
  @ApiOperation({ summary: 'The appointment as an RFC 5545 calendar file' })
  @ApiProduces('text/calendar')
  @ApiOkResponse({ description: 'text/calendar; stable UID, SEQUENCE bumped on reschedule' })
  @ApiErrors('not_found')
  async calendar(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.booking.byToken(token);
    const file = calendarFile(found, token, { name: this.config.siteName, url: this.config.siteUrl });
    await reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', 'attachment; filename="appointment.ics"')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(file);
  }
}
