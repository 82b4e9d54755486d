export {
  WEEKDAYS,
  type AvailabilityWindow,
  type Weekday,
  type WeeklyAvailability,
} from '../common/schedules/schedule.types';

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
