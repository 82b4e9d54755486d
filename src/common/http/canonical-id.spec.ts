import { MAX_ID, parseId } from './canonical-id';

describe('parseId', () => {
  it('reads canonical positive decimal integers up to 2^31 - 1', () => {
    expect(parseId('1')).toBe(1);
    expect(parseId('42')).toBe(42);
    expect(parseId(String(MAX_ID))).toBe(2147483647);
  });

  it('refuses every other spelling and anything out of range', () => {
    const refused = [
      '',
      '0',
      '-1',
      '+1',
      '01',
      '00',
      '1.0',
      '1.',
      '1e0',
      '0x1',
      '0b1',
      ' 1',
      '1 ',
      '%201',
      '１',
    ];
    const outOfRange = [String(MAX_ID + 1), '9999999999', String(Number.MAX_SAFE_INTEGER), '9'.repeat(30)];
    for (const value of [...refused, ...outOfRange])
      expect({ value, id: parseId(value) }).toEqual({ value, id: undefined });
  });
});
