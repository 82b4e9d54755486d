export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface AvailabilityWindow {
  /** Local wall-clock time `HH:mm` in the type's time zone. */
  start: string;
  /** `HH:mm`, after `start`; `24:00` is the end of the day. */
  end: string;
}

export type WeeklyAvailability = Partial<Record<Weekday, AvailabilityWindow[]>>;

export const CUSTOMER_FIELD_TYPES = [
  'text',
  'email',
  'phone',
  'number',
  'select',
  'textarea',
  'checkbox',
] as const;
export type CustomerFieldType = (typeof CUSTOMER_FIELD_TYPES)[number];

export interface CustomerField {
  label: string;
  type: CustomerFieldType;
  required: boolean;
  options: string[];
}

export const APPOINTMENT_TYPE_STATUSES = ['publish', 'draft'] as const;
export type AppointmentTypeStatus = (typeof APPOINTMENT_TYPE_STATUSES)[number];
