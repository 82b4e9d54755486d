import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it.each([
    ['/appointments/change/abcDEF_-123', '/appointments/change/[token]'],
    ['/appointments/change/abc/cancel?x=1', '/appointments/change/[token]/cancel?x=1'],
    ['/api/v1/public/appointments/abc/calendar.ics', '/api/v1/public/appointments/[token]/calendar.ics'],
    ['/api/v1/public/appointments/abc', '/api/v1/public/appointments/[token]'],
  ])('hides the token in %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/api/v1/appointments/12?status=booked')).toBe('/api/v1/appointments/12?status=booked');
    expect(redactUrl('/book/intro-call?date=2030-01-07')).toBe('/book/intro-call?date=2030-01-07');
  });
});
