import { holdsSeat, type TokenAppointment } from '../../appointments/appointments.service';
import { externalHref, html, SafeHtml } from './html';
import { renderPage, RenderedPage } from './layout';
import { dayLinks, formatWhen, PickerOptions, Reading, timeChoices, zoneForm } from './slot-picker';

export type ChangeNotice = 'booked' | 'rescheduled' | 'unchanged' | 'canceled';

const NOTICES: Record<ChangeNotice, string> = {
  booked: 'You are booked. Keep this page’s address: it is your link to change or cancel.',
  rescheduled: 'Your appointment has been moved.',
  unchanged: 'That is already your appointment’s time: nothing was changed.',
  canceled: 'Your appointment has been canceled.',
};

export interface ChangePageInput {
  siteName: string;
  found: TokenAppointment;
  token: string;
  calendarUrl: string;
  editUrl: string;
  zone: string;
  /** What `?tz=` asked for when it named no zone (see zoneForm). */
  unknownZone?: string;
  reading: Reading;
  /** Null when the appointment cannot be moved online (it holds no seat, or its type is no longer published). */
  picker: PickerOptions | null;
  csrf: string;
  notice?: ChangeNotice;
  error?: string;
  confirmCancel: boolean;
  /** The appointment has begun: nothing can be changed (see hasStarted). */
  started: boolean;
  /** The appointment is over (its end is past): said so, rather than that it has begun. */
  ended: boolean;
  /** The page's own address, when it answers a form's post. */
  address?: string;
}

function details(input: ChangePageInput): SafeHtml {
  const { appointment } = input.found;
  const typeZone = appointment.appointment_type_timezone;
  const hosts = appointment.team_members.map((member) => member.display_name).join(', ');
  const canceled = !holdsSeat(appointment);
  const meeting = canceled ? undefined : externalHref(appointment.web_meeting_url);
  return html`<dl>
      <dt>What</dt>
      <dd>${appointment.appointment_type_title}</dd>
      <dt>When</dt>
      <dd>${formatWhen(appointment.start_date, input.zone, input.reading)}</dd>
      ${
        typeZone === input.zone
          ? ''
          : html`<dt>Organizer’s time</dt>
              <dd>${formatWhen(appointment.start_date, typeZone, input.reading)}</dd>`
      }
      ${
        hosts === ''
          ? ''
          : html`<dt>With</dt>
              <dd>${hosts}</dd>`
      }
      ${
        meeting === undefined
          ? ''
          : html`<dt>Meeting link</dt>
              <dd>
                <a href="${meeting}" rel="noopener noreferrer">${meeting}</a
                >${appointment.web_meeting_password ? html`<br />Password: ${appointment.web_meeting_password}` : ''}
              </dd>`
      }
      ${answers(appointment.customer_information)}
    </dl>
    <p class="actions">
      <a class="button secondary" href="${input.calendarUrl}" download="appointment.ics"
        >${canceled ? 'Update your calendar (.ics)' : 'Add to calendar (.ics)'}</a
      >
    </p>`;
}

/**
 * What the customer answered, as booked: the name and email first, then the other fields in the order they
 * were stored; a checkbox as Yes or No, blank answers left out.
 */
function answers(information: Record<string, unknown>): SafeHtml[] {
  const labels = [
    ...['Name', 'Email'].filter((label) => label in information),
    ...Object.keys(information).filter((label) => label !== 'Name' && label !== 'Email'),
  ];
  return labels.flatMap((label) => {
    const value = information[label];
    const text =
      typeof value === 'boolean'
        ? value
          ? 'Yes'
          : 'No'
        : typeof value === 'string' || typeof value === 'number'
          ? String(value).trim()
          : '';
    return text === ''
      ? []
      : [
          html`<dt>${label}</dt>
            <dd class="answer">${text}</dd>`,
        ];
  });
}

export function changePage(input: ChangePageInput): RenderedPage {
  const path = `/appointments/change/${input.token}`;
  const heading = pageHeading(input);
  // The address a visitor keeps names what was just done (`done=booked`): once the appointment is canceled (or
  // abandoned), a notice that it is booked or moved is no longer true.
  const gone = !holdsSeat(input.found.appointment);
  const done = gone && input.notice !== 'canceled' ? undefined : input.notice;
  // Booked: the booking page's script forgets the answers it kept for this type (see layout.ts).
  const forget =
    input.notice === 'booked'
      ? html` data-forget-details="/book/${encodeURIComponent(input.found.appointment.appointment_type_slug)}"`
      : '';
  const notice = done ? html`<p class="notice" role="status" ${forget}>${NOTICES[done]}</p>` : '';
  const error = input.error ? html`<p class="notice warn" role="alert">${input.error}</p>` : '';
  const link =
    done === 'booked'
      ? html`<p>Change or cancel later at:<br /><a href="${input.editUrl}">${input.editUrl}</a></p>`
      : '';
  const body = html`${notice}${error}
    <article class="card">
      <h1>${heading}</h1>
      ${details(input)} ${link}
    </article>
    ${actions(input, path)}`;
  return renderPage({
    title: heading,
    siteName: input.siteName,
    body,
    zone: input.zone,
    detectZone: false,
    address: input.address,
  });
}

function pageHeading(input: ChangePageInput): string {
  if (input.found.appointment.status === 'canceled') return 'Canceled appointment';
  if (!holdsSeat(input.found.appointment)) return 'Booking not completed';
  return input.notice === 'booked' ? 'Booking confirmed' : 'Your appointment';
}

/**
 * What the visitor can do next: book again (canceled, or abandoned: no seat held), confirm a cancellation, or
 * reschedule and cancel.
 */
function actions(input: ChangePageInput, path: string): SafeHtml {
  const { appointment } = input.found;
  if (!holdsSeat(appointment)) {
    const bookAgain = `/book/${encodeURIComponent(appointment.appointment_type_slug)}`;
    const what =
      appointment.status === 'canceled' ? 'This appointment is canceled.' : 'This booking was not completed.';
    return html`<p class="card">${what} To meet, please <a href="${bookAgain}">book a new time</a>.</p>`;
  }
  // Begun (or over): its customer may no longer move or cancel it.
  if (input.started) {
    const when = input.ended ? 'has ended' : 'has begun';
    return html`<p class="card">This appointment ${when}, so it can no longer be changed online.</p>`;
  }
  if (input.confirmCancel) return confirmCancel(input, path);
  return html`${reschedule(input, path)}
    <section class="card" aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">Cancel</h2>
      <a class="button secondary" href="${path}?step=cancel&amp;tz=${encodeURIComponent(input.zone)}"
        >Cancel appointment…</a
      >
    </section>`;
}

function confirmCancel(input: ChangePageInput, path: string): SafeHtml {
  return html`<section class="card" aria-labelledby="cancel-heading">
    <h2 id="cancel-heading">Cancel this appointment?</h2>
    <p>The time will be given to someone else. This cannot be undone.</p>
    <form method="post" action="${path}/cancel">
      <input type="hidden" name="_csrf" value="${input.csrf}" />
      <input type="hidden" name="confirm" value="yes" />
      <input type="hidden" name="tz" value="${input.zone}" />
      <div class="actions">
        <button type="submit" class="danger">Yes, cancel it</button>
        <a class="button secondary" href="${path}?tz=${encodeURIComponent(input.zone)}">No, keep it</a>
      </div>
    </form>
  </section>`;
}

function reschedule(input: ChangePageInput, path: string): SafeHtml {
  const picker = input.picker;
  if (picker === null) {
    return html`<section class="card">
      <h2>Reschedule</h2>
      <p>This appointment cannot be moved online.</p>
    </section>`;
  }
  const slots = picker.selected === undefined ? [] : (picker.days.get(picker.selected) ?? []);
  return html`<section class="card" aria-labelledby="move-heading">
    <h2 id="move-heading">Reschedule</h2>
    ${zoneForm(path, input.zone, { from: picker.window.from, date: picker.selected }, input.unknownZone)}
    ${dayLinks(picker)}
    ${
      slots.length === 0
        ? ''
        : html`<form method="post" action="${path}/reschedule">
            <input type="hidden" name="_csrf" value="${input.csrf}" />
            <input type="hidden" name="tz" value="${input.zone}" />
            <input type="hidden" name="from" value="${picker.window.from}" />
            ${timeChoices(slots, picker, picker.selected!, { current: input.found.appointment.start_date })}
            <button type="submit" class="wide">Move to this time</button>
          </form>`
    }
  </section>`;
}
