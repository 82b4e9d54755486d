import type { CustomerField } from '../appointment-types/appointment-type.types';
import { validateCustomerInformation } from './customer-information';

const fields: CustomerField[] = [
  { label: 'Phone', type: 'phone', required: true, options: [] },
  { label: 'Guests', type: 'number', required: false, options: [] },
  { label: 'Topic', type: 'select', required: false, options: ['Sales', 'Support'] },
  { label: 'Terms', type: 'checkbox', required: true, options: [] },
  { label: 'Notes', type: 'textarea', required: false, options: [] },
];

describe('validateCustomerInformation', () => {
  it('accepts valid answers, trims text, converts numbers and keeps field order', () => {
    const result = validateCustomerInformation(
      {
        Terms: true,
        Guests: '3',
        Email: ' ann@example.com ',
        Name: ' Ann ',
        Phone: '+49 30 1234567',
        Topic: 'Sales',
      },
      fields,
    );
    expect(result.errors).toEqual([]);
    expect(result.value).toEqual({
      Name: 'Ann',
      Email: 'ann@example.com',
      Phone: '+49 30 1234567',
      Guests: 3,
      Topic: 'Sales',
      Terms: true,
    });
    expect(Object.keys(result.value)).toEqual(['Name', 'Email', 'Phone', 'Guests', 'Topic', 'Terms']);
  });

  it('requires Name and Email always, and required custom fields', () => {
    const result = validateCustomerInformation({}, fields);
    expect(result.errors.map((error) => error.field)).toEqual([
      'customer_information.Name',
      'customer_information.Email',
      'customer_information.Phone',
      'customer_information.Terms',
    ]);
  });

  it('treats an unchecked required checkbox as missing', () => {
    const result = validateCustomerInformation(
      { Name: 'A', Email: 'a@b.co', Phone: '12345', Terms: false },
      fields,
    );
    expect(result.errors).toEqual([{ field: 'customer_information.Terms', message: 'is required' }]);
  });

  it('validates each type and refuses unknown keys', () => {
    const result = validateCustomerInformation(
      {
        Name: 'A',
        Email: 'not-an-email',
        Phone: 'call me',
        Guests: 'many',
        Topic: 'Other',
        Terms: 'yes',
        Colour: 'red',
      },
      fields,
    );
    expect(Object.fromEntries(result.errors.map((error) => [error.field, error.message]))).toEqual({
      'customer_information.Email': 'must be an email address',
      'customer_information.Phone':
        'must be a phone number: 5 to 30 digits, spaces and ( ) . / -, after an optional +',
      'customer_information.Guests': 'must be a number',
      'customer_information.Topic': 'must be one of: Sales, Support',
      'customer_information.Terms': 'must be true or false',
      'customer_information.Colour': 'is not a field of this appointment type',
    });
  });

  it('reads numbers given as text in decimal notation only', () => {
    const guests = (answer: string) =>
      validateCustomerInformation({ Name: 'Ada', Email: 'ada@example.com', Guests: answer }, [fields[1]]);
    for (const [answer, number] of [
      ['12', 12],
      [' -1.5 ', -1.5],
      ['+2', 2],
      ['.5', 0.5],
      ['3.', 3],
      ['1e3', 1000],
      ['2.5E-1', 0.25],
      ['0e-400', 0],
      ['-0.000', -0],
      ['5e-324', 5e-324],
    ] as const) {
      expect(guests(answer).value.Guests).toBe(number);
    }
    for (const answer of [
      '0x10',
      '0b101',
      '0o17',
      '0X1F',
      'Infinity',
      '1e',
      '.',
      '1_000',
      '1e400',
      '1e-400',
      '-0.001e-330',
      '2e-324',
    ]) {
      expect(guests(answer).errors).toEqual([
        { field: 'customer_information.Guests', message: 'must be a number' },
      ]);
    }
  });

  it('leaves out optional fields that are blank', () => {
    const result = validateCustomerInformation(
      { Name: 'A', Email: 'a@b.co', Phone: '12345', Terms: true, Notes: '  ' },
      fields,
    );
    expect(result.errors).toEqual([]);
    expect(result.value).not.toHaveProperty('Notes');
  });

  it('refuses text and emails with a lone surrogate, which cannot be stored as UTF-8', () => {
    const result = validateCustomerInformation(
      { Name: 'Ada \udc00', Email: '\ud800@example.com', Phone: '12345', Terms: true, Notes: 'ok 😀' },
      fields,
    );
    expect(Object.fromEntries(result.errors.map((error) => [error.field, error.message]))).toEqual({
      'customer_information.Name':
        'must be valid Unicode text (it contains a lone surrogate such as \\ud800)',
      'customer_information.Email': 'must be an email address',
    });
  });
});
