import { requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const withHeader = (value?: string | string[]) => ({ headers: { 'x-request-id': value } });

describe('requestIdOf', () => {
  it('keeps a short plain client id', () => {
    for (const id of ['trace-abc-123', 'a', 'A.b_c-9', 'x'.repeat(128)]) {
      expect(requestIdOf(withHeader(id))).toBe(id);
    }
  });

  it('generates a UUID for a missing, long, or unusual id', () => {
    for (const id of [undefined, '', 'x'.repeat(129), 'a b', 'a\tb', 'ä', '<script>', 'a,b', ['a', 'b']]) {
      expect(requestIdOf(withHeader(id))).toMatch(UUID);
    }
  });

  it('generates a different id each time', () => {
    expect(requestIdOf(withHeader())).not.toBe(requestIdOf(withHeader()));
  });
});
