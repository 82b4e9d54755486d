import { nulField } from './nul-field';

describe('nulField', () => {
  it('names the first key or string value that holds a NUL', () => {
    expect(nulField({ name: 'a\u0000b' })).toBe('name');
    expect(nulField({ customer_information: { Name: 'ok', Email: 'x\u0000@y' } })).toBe(
      'customer_information.Email',
    );
    expect(nulField({ customer_fields: [{ label: 'ok' }, { label: '\u0000' }] })).toBe(
      'customer_fields[1].label',
    );
    expect(nulField({ 'k\u0000': 1 })).toBe('k\u0000');
    expect(nulField('\u0000')).toBe('body');
  });

  it('finds nothing in bodies without NUL', () => {
    expect(nulField({ a: 'text', b: [1, null, true, { c: 'd' }] })).toBeNull();
    expect(nulField(undefined)).toBeNull();
    expect(nulField({ text: '\\u0000 as six characters' })).toBeNull();
  });
});
