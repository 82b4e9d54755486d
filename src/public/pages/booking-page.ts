import type { AppointmentTypeDto } from '../../appointment-types/dto/appointment-type.dto';
import type { CustomerField } from '../../appointment-types/appointment-type.types';
import { html, SafeHtml } from './html';
import { renderPage, RenderedPage } from './layout';
import { dayLinks, formatDuration, formatPrice, PickerOptions, timeChoices, zoneForm } from './slot-picker';

export const BUILT_IN_FIELDS: CustomerField[] = [
  { label: 'Name', type: 'text', required: true, options: [] },
  { label: 'Email', type: 'email', required: true, options: [] },
];

/** Form inputs are named by label, so a change of the type's fields between GET and POST cannot shift them. */
export const fieldName = (field: CustomerField): string => `field:${field.label}`;

export interface FormState {
  values: Record<string, string>;
  /** By field label; '' for the form as a whole. */
  errors: Record<string, string>;
  checkedStart?: string;
}

export const EMPTY_FORM: FormState = { values: {}, errors: {} };

const AUTOCOMPLETE: Record<string, string> = { Name: 'name', Email: 'email' };

/**
 * One field of the form; `focused`: the first field the server found fault with, which takes the focus when the
 * page loads (the message at the top is announced, the field itself may be a screen further down).
 */
function fieldInput(field: CustomerField, index: number, state: FormState, focused: boolean): SafeHtml {
  const id = `field-${index}`;
  const value = state.values[field.label] ?? '';
  const error = state.errors[field.label];
  const described = error
    ? html` aria-invalid="true" aria-describedby="${id}-error"${focused ? html` autofocus` : ''}`
    : '';
  const required = field.required ? html` required` : '';
  const errorText = error ? html`<p class="error" id="${id}-error">${error}</p>` : '';
  const optional = field.required ? '' : html` <span class="muted">(optional)</span>`;
  const label = html`<label for="${id}">${field.label}${optional}</label>`;
  const name = fieldName(field);
  switch (field.type) {
    case 'textarea':
      return html`${label}<textarea id="${id}" name="${name}" ${required}${described}>${value}</textarea
        >${errorText}`;
    case 'select':
      return html`${label}<select id="${id}" name="${name}" ${required}${described}>
          <option value="">Choose…</option>
          ${field.options.map((option) => html`<option value="${option}" ${option === value ? html` selected` : ''}>${option}</option>`)}</select
        >${errorText}`;
    case 'checkbox':
      return html`<label class="check" for="${id}"
          ><input
            type="checkbox"
            id="${id}"
            name="${name}"
            value="true"
            ${value === 'true' ? html` checked` : ''}${required}${described}
          />
          ${field.label}${optional}</label
        >${errorText}`;
    case 'text':
    case 'email':
    case 'phone':
    case 'number': {
      const type = { text: 'text', email: 'email', phone: 'tel', number: 'number' }[field.type];
      // A number input's step is 1 by default, and the browser refuses 1.5, which the server takes.
      const step = field.type === 'number' ? html` step="any"` : '';
      const autocomplete =
        AUTOCOMPLETE[field.label] ??
        (field.type === 'phone' ? 'tel' : field.type === 'email' ? 'email' : 'on');
      return html`${label}<input
          type="${type}"
          id="${id}"
          name="${name}"
          value="${value}"
          autocomplete="${autocomplete}"
          ${step}${required}${described}
        />${errorText}`;
    }
  }
}

export interface BookingPageInput {
  siteName: string;
  type: AppointmentTypeDto;
  zone: string;
  /** What `?tz=` asked for when it named no zone (see zoneForm). */
  unknownZone?: string;
  detectZone: boolean;
  picker: PickerOptions;
  csrf: string;
  /** A fresh key per rendered form: submitting it twice (a double click, a resent POST) books once. */
  submission: string;
  form: FormState;
  /** The page's own address, when it answers the form's post. */
  address?: string;
}

export function bookingPage(input: BookingPageInput): RenderedPage {
  const { type, picker, form } = input;
  const path = `/book/${encodeURIComponent(type.slug)}`;
  const slots = picker.selected === undefined ? [] : (picker.days.get(picker.selected) ?? []);
  const price = type.price > 0 ? html` · ${formatPrice(type.price, type.currency, picker.reading)}` : '';
  const fields = [...BUILT_IN_FIELDS, ...type.customer_fields];
  const firstFault = fields.find((field) => form.errors[field.label] !== undefined)?.label;
  const body = html`<article class="card">
      <h1>${type.title}</h1>
      <p class="muted">${formatDuration(type.duration)}${price}</p>
      ${type.description ? html`<p class="description">${type.description}</p>` : ''}
    </article>
    ${form.errors[''] ? html`<p class="notice warn" role="alert">${form.errors['']}</p>` : ''}
    <section class="card" aria-labelledby="pick-heading">
      <h2 id="pick-heading">Pick a day and a time</h2>
      ${zoneForm(path, input.zone, { from: picker.window.from, date: picker.selected }, input.unknownZone)}
      ${dayLinks(picker)}
    </section>
    ${
      slots.length === 0
        ? ''
        : html`<form method="post" action="${path}" class="card" data-keep-details>
            <input type="hidden" name="_csrf" value="${input.csrf}" />
            <input type="hidden" name="_submission" value="${input.submission}" />
            <input type="hidden" name="tz" value="${input.zone}" />
            <input type="hidden" name="from" value="${picker.window.from}" />
            ${timeChoices(slots, picker, picker.selected!, { checked: form.checkedStart })}
            ${form.errors.start_date ? html`<p class="error" role="alert">${form.errors.start_date}</p>` : ''}
            <h2 class="details">Your details</h2>
            ${fields.map((field, index) => fieldInput(field, index, form, field.label === firstFault))}
            <button type="submit" class="wide">Confirm booking</button>
          </form>`
    }`;
  return renderPage({
    title: type.title,
    siteName: input.siteName,
    body,
    zone: input.zone,
    detectZone: input.detectZone,
    address: input.address,
  });
}
