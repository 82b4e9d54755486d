import type { CustomerField } from '../appointment-types/appointment-type.types';
import type { FieldError } from '../common/errors/domain-error';
import { charactersWithin, wellFormed } from '../common/validation/validators';
import type { CustomerInformation } from './appointment.entity';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()./-]{5,30}$/;
/**
 * A number given as text, as a form's number input sends it: decimal only (`Number` also reads "0x10", "0b101"
 * and "0o17", which no customer means).
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const FIELD = 'customer_information';
/** A lone surrogate (\ud800) cannot be stored or sent as UTF-8. */
const NOT_UNICODE = 'must be valid Unicode text (it contains a lone surrogate such as \\ud800)';

type Check = (value: unknown) => { value: string | number | boolean } | { error: string };

/**
 * A number given as text that is not zero but reads as 0, as "1e-400" does (below the smallest double): it would be
 * stored as 0, as 1e400 would be stored as Infinity, which is refused.
 */
function underflows(given: unknown, number: number): boolean {
  return number === 0 && typeof given === 'string' && /[1-9]/.test(given.split(/[eE]/)[0]);
}

const text =
  (max: number): Check =>
  (value) =>
    typeof value !== 'string' || !charactersWithin(value, 0, max)
      ? { error: `must be text of at most ${max} characters` }
      : wellFormed(value)
        ? { value: value.trim() }
        : { error: NOT_UNICODE };

const CHECKS: Record<CustomerField['type'], (field: CustomerField) => Check> = {
  text: () => text(1000),
  textarea: () => text(10000),
  email: () => (value) =>
    typeof value === 'string' && value.length <= 320 && EMAIL.test(value.trim()) && wellFormed(value)
      ? { value: value.trim() }
      : { error: 'must be an email address' },
  phone: () => (value) =>
    typeof value === 'string' && PHONE.test(value.trim())
      ? { value: value.trim() }
      : { error: 'must be a phone number: 5 to 30 digits, spaces and ( ) . / -, after an optional +' },
  number: () => (value) => {
    const number = typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : value;
    return typeof number === 'number' && Number.isFinite(number) && !underflows(value, number)
      ? { value: number }
      : { error: 'must be a number' };
  },
  select: (field) => (value) =>
    typeof value === 'string' && field.options.includes(value)
      ? { value }
      : { error: `must be one of: ${field.options.join(', ')}` },
  checkbox: () => (value) => (typeof value === 'boolean' ? { value } : { error: 'must be true or false' }),
};

const BUILT_IN: CustomerField[] = [
  { label: 'Name', type: 'text', required: true, options: [] },
  { label: 'Email', type: 'email', required: true, options: [] },
];

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * Checks the customer's answers against the type's fields (Name and Email always, then the custom ones by
 * label) and returns them in field order, trimmed and typed. Every problem is reported, keyed by field path.
 */
export function validateCustomerInformation(
  input: Record<string, unknown>,
  customFields: CustomerField[],
): { value: CustomerInformation; errors: FieldError[] } {
  const fields = [...BUILT_IN, ...customFields];
  const known = new Set(fields.map((field) => field.label));
  const value: CustomerInformation = {};
  const errors: FieldError[] = [];
  for (const field of fields) {
    // Own keys only: a label such as "constructor" must not read what every object inherits.
    const raw = Object.hasOwn(input, field.label) ? input[field.label] : undefined;
    const path = `${FIELD}.${field.label}`;
    if (isBlank(raw) || (field.type === 'checkbox' && field.required && raw === false)) {
      if (field.required) errors.push({ field: path, message: 'is required' });
      continue;
    }
    const checked = CHECKS[field.type](field)(raw);
    if ('error' in checked) errors.push({ field: path, message: checked.error });
    else value[field.label] = checked.value;
  }
  for (const key of Object.keys(input)) {
    if (!known.has(key))
      errors.push({ field: `${FIELD}.${key}`, message: 'is not a field of this appointment type' });
  }
  return { value, errors };
}
