import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import moment from 'moment-timezone';
import type { CustomerField } from '../../appointment-types/appointment-type.types';
import type { AppointmentTypeDto } from '../../appointment-types/dto/appointment-type.dto';
import { hasStarted, holdsSeat, type TokenAppointment } from '../../appointments/appointments.service';
import { Public } from '../../common/auth/public.decorator';
import { IdempotencyService } from '../../idempotency/idempotency.service';
import { instant } from '../../common/validation/validators';
import { DomainError, type FieldError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { PublicBookingService } from '../public-booking.service';
import { calendarUrl } from '../public.mapper';
import { PublicRateLimitGuard } from '../rate-limit.guard';
import { SlugParam } from '../slug-param';
import { BUILT_IN_FIELDS, bookingPage, EMPTY_FORM, fieldName, FormState } from './booking-page';
import { ChangeNotice, changePage } from './change-page';
import { CsrfTokens } from './csrf';
import { sendPage } from './layout';
import { markPageFound, PageError, PageErrorFilter } from './page-error.filter';
import {
  byLocalDate,
  PickerOptions,
  FormQuery,
  inWindow,
  link,
  openOnDay,
  openOnPageOf,
  pageCalendar,
  queryText,
  Reading,
  readingOf,
  selectedDay,
  shiftDate,
  typeDates,
  unknownZone,
  viewerZone,
  windowStart,
} from './slot-picker';

const NOTICES: readonly ChangeNotice[] = ['booked', 'rescheduled', 'unchanged', 'canceled'];
/** Pages of days past the first that a booking page opened without one named looks through for free times. */
const LOOK_AHEAD_PAGES = 3;
const SLOT_GONE = 'That time is no longer free. Please pick another one.';
const FORM_ALREADY_SENT =
  'This form was already sent with other answers, and that booking stands. To make another booking, confirm this one.';

/** The API's own rule (a day that exists: 2031-02-29 is refused, not rolled over to March). */
function isInstant(value: string | undefined): value is string {
  return value !== undefined && instant(value) === null;
}

/**
 * The customer's pages: server-rendered HTML whose forms work without JavaScript (the script detects the
 * visitor's time zone, submits the zone picker and keeps what the visitor typed across pages, see layout.ts).
 * Every form post carries a CSRF token.
 */
@Public()
@ApiTags('pages')
@ApiProduces('text/html')
@UseGuards(PublicRateLimitGuard)
@UseFilters(PageErrorFilter)
@Controller()
export class PagesController {
  constructor(
    private readonly booking: PublicBookingService,
    private readonly csrf: CsrfTokens,
    private readonly config: AppConfig,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Get('book/:slug')
  @ApiOperation({
    summary: 'The booking page of a published type (HTML; `?tz=&from=&date=` pick zone and day)',
  })
  @ApiResponse({ status: 200, description: 'text/html' })
  async bookingPage(
    @SlugParam() slug: string,
    @Query() query: FormQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const type = await this.booking.publishedType(slug);
    markPageFound(request, 'book', bookingPath(type));
    await this.renderBooking(request, reply, type, query, EMPTY_FORM, 200);
  }

  @Post('book/:slug')
  @ApiOperation({ summary: 'The booking page’s form post (CSRF-checked); 303 to the confirmation' })
  @ApiResponse({ status: 303, description: 'booked: to /appointments/change/:token?done=booked' })
  async book(
    @SlugParam() slug: string,
    @Body() body: FormQuery | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = body ?? {};
    // Looked up first, so that a stale form's page leads back to the booking page only when there is one.
    const type = await this.booking.publishedType(slug);
    markPageFound(request, 'book', bookingPath(type));
    this.checkCsrf(request, form);
    const zone = viewerZone(form, type.timezone);
    const fields = [...BUILT_IN_FIELDS, ...type.customer_fields];
    const { values, repeated } = formValues(form, fields);
    const start = queryText(form, 'start_date');
    const state: FormState = { values, errors: {}, checkedStart: start };
    // Shown again after a refusal: the window of days the form was posted from, and the day of the time picked.
    const query: FormQuery = {
      tz: zone,
      from: queryText(form, 'from'),
      date: isInstant(start) ? localDate(start, zone) : undefined,
    };
    const information = customerInformation(fields, values);
    // A NUL, which no database column takes, in an answer, or an answer sent twice (no browser does: its last
    // one was taken, a box sent twice as unticked): named beside it, as any other problem of the form.
    const withNul = fields.filter((field) => values[field.label]?.includes('\u0000'));
    if (!isInstant(start) || withNul.length > 0 || repeated.length > 0) {
      if (!isInstant(start)) state.errors.start_date = 'Please pick a time.';
      // The answers are checked too: every problem shows at once, not one more with each post.
      const errors = [
        ...this.booking.checkAnswers(type, information),
        ...withNul.map((field) => ({ field: field.label, message: 'must not contain a NUL character' })),
        ...repeated.map((label) => ({ field: label, message: 'was sent more than once' })),
      ];
      for (const field of withNul) values[field.label] = values[field.label].replaceAll('\u0000', '');
      if (errors.length > 0) showFieldErrors(errors, state);
      return this.renderBooking(request, reply, type, query, state, 400);
    }
    const booking = { start_date: start, customer_information: information, customer_timezone: zone };
    let token: string;
    try {
      ({ body: token } = await this.idempotency.run(
        'page-bookings',
        queryText(form, '_submission'),
        { slug, booking },
        303,
        async () => (await this.booking.book(slug, booking)).token,
      ));
    } catch (error) {
      const status = showRefusal(error, state);
      return this.renderBooking(request, reply, type, query, state, status);
    }
    return redirect(reply, `${changePath(token)}?done=booked&tz=${encodeURIComponent(zone)}`);
  }

  @Get('appointments/change/:token')
  @ApiOperation({ summary: 'The change page behind public_edit_url (HTML)' })
  @ApiResponse({ status: 200, description: 'text/html' })
  async changePage(
    @Param('token') token: string,
    @Query() query: FormQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const found = await this.booking.byToken(token);
    markPageFound(request, 'change', changePath(token));
    const done = queryText(query, 'done');
    const notice = NOTICES.find((candidate) => candidate === done);
    await this.renderChange(request, reply, token, found, query, 200, {
      notice,
      confirmCancel: queryText(query, 'step') === 'cancel',
    });
  }

  @Post('appointments/change/:token/reschedule')
  @ApiOperation({ summary: 'The change page’s reschedule form post (CSRF-checked); 303 back to the page' })
  @ApiResponse({ status: 303, description: 'rescheduled' })
  async reschedule(
    @Param('token') token: string,
    @Body() body: FormQuery | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = body ?? {};
    // Looked up first, so that a stale form's page leads back to the appointment only when there is one.
    const found = await this.booking.byToken(token);
    markPageFound(request, 'change', changePath(token));
    this.checkCsrf(request, form);
    const zone = viewerZone(form, customerZone(found));
    const start = queryText(form, 'start_date');
    // Shown again after a refusal: the window of days the form was posted from.
    const shown: FormQuery = { tz: zone, from: queryText(form, 'from') };
    if (!isInstant(start)) {
      return this.renderChange(request, reply, token, found, shown, 400, { error: 'Please pick a time.' });
    }
    // Its own time, picked again: nothing to move (and no event), which the page says rather than "moved".
    const unchanged =
      holdsSeat(found.appointment) && Date.parse(start) === Date.parse(found.appointment.start_date);
    if (unchanged)
      return redirect(reply, `${changePath(token)}?done=unchanged&tz=${encodeURIComponent(zone)}`);
    try {
      await this.booking.reschedule(token, start);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'not_found') throw error;
      // Begun meanwhile: back to its page, which says so where its actions were.
      if (error.code === 'appointment_started')
        return redirect(reply, `${changePath(token)}?tz=${encodeURIComponent(zone)}`);
      const status = error.code === 'slot_not_offered' ? 422 : error.code === 'validation_failed' ? 400 : 409;
      const current = await this.booking.byToken(token);
      return this.renderChange(
        request,
        reply,
        token,
        current,
        { ...shown, date: localDate(start, zone) },
        status,
        {
          error: await this.rescheduleRefusal(error, current),
        },
      );
    }
    return redirect(reply, `${changePath(token)}?done=rescheduled&tz=${encodeURIComponent(zone)}`);
  }

  @Post('appointments/change/:token/cancel')
  @ApiOperation({ summary: 'The change page’s cancel form post (CSRF-checked, needs confirm=yes); 303 back' })
  @ApiResponse({ status: 303, description: 'canceled, or to the confirmation step' })
  async cancel(
    @Param('token') token: string,
    @Body() body: FormQuery | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = body ?? {};
    // Looked up first, so that a stale form's page leads back to the appointment only when there is one.
    const found = await this.booking.byToken(token);
    markPageFound(request, 'change', changePath(token));
    this.checkCsrf(request, form);
    const zone = encodeURIComponent(viewerZone(form, customerZone(found)));
    if (queryText(form, 'confirm') !== 'yes') {
      return redirect(reply, `${changePath(token)}?step=cancel&tz=${zone}`);
    }
    try {
      await this.booking.cancel(token);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'appointment_started') throw error;
      // Begun meanwhile: back to its page, which says so where its actions were.
      return redirect(reply, `${changePath(token)}?tz=${zone}`);
    }
    return redirect(reply, `${changePath(token)}?done=canceled&tz=${zone}`);
  }

  /**
   * The forms' addresses read (a reload or a bookmark of the page a refusal showed there): the change page.
   */
  @Get(['appointments/change/:token/reschedule', 'appointments/change/:token/cancel'])
  @ApiOperation({ summary: 'A change form’s address read (a reload, a bookmark); 303 to the change page' })
  @ApiResponse({ status: 303, description: 'to the change page' })
  formAddress(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    return redirect(reply, `/appointments/change/${encodeURIComponent(token)}`);
  }

  /** What the change page says of a refused move. */
  private async rescheduleRefusal(error: DomainError, current: TokenAppointment): Promise<string> {
    if (error.code === 'appointment_canceled') {
      return current.appointment.status === 'canceled'
        ? 'This appointment is canceled.'
        : 'This appointment can no longer be changed.';
    }
    if (error.code === 'slot_not_offered' && (await this.booking.movableWithin(current)) === null)
      return 'This appointment can no longer be moved online.';
    return SLOT_GONE;
  }

  private checkCsrf(request: FastifyRequest, form: FormQuery): void {
    if (!this.csrf.verify(request, form._csrf)) {
      throw new PageError(
        403,
        'This form has expired',
        'Nothing was changed. Please go back, reload the page and try again.',
      );
    }
  }

  private async renderBooking(
    request: FastifyRequest,
    reply: FastifyReply,
    type: AppointmentTypeDto,
    query: FormQuery,
    form: FormState,
    status: number,
  ): Promise<void> {
    const view = {
      zone: viewerZone(query, type.timezone),
      reading: readingOf(request.headers['accept-language']),
    };
    const path = bookingPath(type);
    const picker = await this.firstFreePage(type, path, view, query);
    const page = bookingPage({
      siteName: this.config.siteName,
      type,
      zone: view.zone,
      unknownZone: unknownZone(query),
      detectZone: queryText(query, 'tz') === undefined,
      picker,
      csrf: this.csrf.issue(request, reply),
      submission: randomBytes(18).toString('base64url'),
      form,
      address: postAnswerAddress(request, path, view.zone, picker),
    });
    await sendPage(reply, status, page, this.config.publicFrameAncestors);
  }

  /**
   * The booking page's picker: that of the page of days `query` names, empty or not; or that which holds the day it
   * names (a link to a day: `?date=` alone opened the first page, silently) when it has free times; else, as with
   * neither named, the first page from today with free times, LOOK_AHEAD_PAGES on at most (a type booked a month
   * ahead opened on two pages of nothing, the way on a link to press twice), and today's if none of them has any.
   * A day past the type's horizon names no page (openOnPageOf): its page offered nothing and led only back.
   */
  private async firstFreePage(
    type: AppointmentTypeDto,
    path: string,
    view: { zone: string; reading: Reading },
    query: FormQuery,
  ): Promise<PickerOptions> {
    const named = await this.picker(type, path, view, openOnPageOf(query, pageCalendar(type, view.zone)));
    if (queryText(query, 'from') !== undefined || named.days.size > 0) return named;
    const { today, days } = named.window;
    const first = named.window.from === today ? named : await this.picker(type, path, view, query);
    let picker = first;
    for (let page = 1; picker.days.size === 0 && page <= LOOK_AHEAD_PAGES; page += 1) {
      const { to, lastDate } = picker.window;
      if (lastDate !== undefined && to >= lastDate) break;
      const from = shiftDate(today, page * days);
      // The page the day named is empty: it is not worked out twice.
      picker = from === named.window.from ? named : await this.picker(type, path, view, { ...query, from });
    }
    return picker.days.size === 0 ? first : picker;
  }

  /**
   * The day and time picker of `type` (a page at `path`) at the window and day `query` names; for `moving`, the
   * times that appointment may be moved to, its own and those overlapping it included.
   */
  private async picker(
    type: AppointmentTypeDto,
    path: string,
    { zone, reading }: { zone: string; reading: Reading },
    query: FormQuery,
    moving?: TokenAppointment,
  ): Promise<PickerOptions> {
    const calendar = pageCalendar(type, zone);
    const window = windowStart(query, calendar);
    const availability = await this.booking.slotsOf(
      type,
      { ...typeDates(window, calendar), timezone: zone },
      moving,
    );
    const days = byLocalDate(inWindow(availability.slots, window));
    return { path, zone, reading, window, days, selected: selectedDay(query, days) };
  }

  private async renderChange(
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    found: TokenAppointment,
    query: FormQuery,
    status: number,
    extra: { notice?: ChangeNotice; error?: string; confirmCancel?: boolean },
  ): Promise<void> {
    const zone = viewerZone(query, customerZone(found));
    const reading = readingOf(request.headers['accept-language']);
    const path = changePath(token);
    let picker: PickerOptions | null = null;
    const started = hasStarted(found.appointment);
    const type = holdsSeat(found.appointment) && !started ? await this.booking.movableWithin(found) : null;
    if (type !== null) {
      const onDay = openOnDay(query, found.appointment.start_date, pageCalendar(type, zone));
      picker = await this.picker(type, path, { zone, reading }, onDay, found);
      // Opened on its day's later page and that has no free times (all of them taken, or past the horizon): today's.
      if (
        picker.days.size === 0 &&
        picker.window.from !== picker.window.today &&
        queryText(query, 'from') === undefined
      )
        picker = await this.picker(type, path, { zone, reading }, query, found);
    }
    const page = changePage({
      siteName: this.config.siteName,
      found,
      token,
      calendarUrl: calendarUrl(this.config.siteUrl, token),
      editUrl: found.appointment.public_edit_url,
      zone,
      unknownZone: unknownZone(query),
      reading,
      picker,
      csrf: this.csrf.issue(request, reply),
      notice: extra.notice,
      error: extra.error,
      confirmCancel: extra.confirmCancel ?? false,
      started,
      ended: Date.parse(found.appointment.end_date) <= Date.now(),
      address: postAnswerAddress(request, path, zone, picker),
    });
    await sendPage(reply, status, page, this.config.publicFrameAncestors);
  }
}

/**
 * The address of what a page answering a form's post shows (its zone, page of days and day): in the tab's history
 * in place of the post's, Back to it, or a reload, reads it again rather than asking to resend the form.
 */
function postAnswerAddress(
  request: FastifyRequest,
  path: string,
  zone: string,
  picker: PickerOptions | null,
): string | undefined {
  if (request.method !== 'POST') return undefined;
  return link(path, { tz: zone, from: picker?.window.from, date: picker?.selected });
}

/**
 * What the visitor entered, by field label, line breaks as `\n`: a browser sends a textarea's as CRLF, and the
 * answers went to the webhooks so, unlike the same answers sent through the API.
 */
function formValues(
  form: FormQuery,
  fields: readonly CustomerField[],
): { values: Record<string, string>; repeated: string[] } {
  const values: Record<string, string> = {};
  const repeated: string[] = [];
  for (const field of fields) {
    const sent = form[fieldName(field)];
    // Sent more than once: the last answer is shown again, beside a word that it came twice.
    const value: unknown = Array.isArray(sent) ? (sent as unknown[]).at(-1) : sent;
    if (Array.isArray(sent)) repeated.push(field.label);
    if (typeof value === 'string') values[field.label] = value.replace(/\r\n?/g, '\n');
  }
  return { values, repeated };
}

/**
 * The booking's `customer_information`: checkboxes as booleans (ticked: `true`, the box's value; absent: false;
 * anything else is passed on, for the booking to refuse beside its field), blank answers left out.
 */
function customerInformation(
  fields: readonly CustomerField[],
  values: Record<string, string>,
): Record<string, unknown> {
  const information: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.label];
    if (field.type === 'checkbox')
      information[field.label] = value === undefined || value === '' ? false : value === 'true' || value;
    else if (value !== undefined && value.trim() !== '') information[field.label] = value;
  }
  return information;
}

/**
 * A booking refused for what the visitor entered or picked: sets the form's messages and answers the
 * page's status. Anything else is thrown on.
 */
function showRefusal(error: unknown, state: FormState): number {
  if (!(error instanceof DomainError)) throw error;
  if (error.code === 'validation_failed') {
    showFieldErrors(error.details ?? [], state);
    return 400;
  }
  if (error.code === 'slot_unavailable' || error.code === 'slot_not_offered') {
    state.errors[''] = SLOT_GONE;
    state.checkedStart = undefined;
    return error.code === 'slot_unavailable' ? 409 : 422;
  }
  // The same rendered form sent again with other answers (Back, then another time): said as a visitor reads it,
  // not as the API's Idempotency-Key message.
  if (error.code === 'idempotency_key_reused') {
    state.errors[''] = FORM_ALREADY_SENT;
    return 422;
  }
  // Its hidden submission key tampered with (a browser sends it as the page gave it).
  if (error.code === 'idempotency_key_invalid') {
    state.errors[''] = 'This form could not be read. Please reload the page and try again.';
    return 400;
  }
  throw error;
}

/** Each field's error beside it, and a line above the form pointing at them. */
function showFieldErrors(details: readonly FieldError[], state: FormState): void {
  for (const detail of details) {
    state.errors[detail.field.replace(/^customer_information\./, '')] = `${capitalize(detail.message)}.`;
  }
  state.errors[''] = 'Please check the highlighted fields.';
}

function bookingPath(type: AppointmentTypeDto): string {
  return `/book/${encodeURIComponent(type.slug)}`;
}

/** The address of an appointment's change page (its token is URL-safe as issued). */
function changePath(token: string): string {
  return `/appointments/change/${token}`;
}

function customerZone(found: TokenAppointment): string {
  return found.appointment.customer_timezone ?? found.appointment.appointment_type_timezone;
}

function localDate(instant: string, zone: string): string | undefined {
  const local = moment.utc(instant, moment.ISO_8601, true);
  return local.isValid() ? local.tz(zone).format('YYYY-MM-DD') : undefined;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

async function redirect(reply: FastifyReply, location: string): Promise<void> {
  await reply.status(303).header('location', location).header('cache-control', 'no-store').send();
}
