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

  it('hides the token however the path is percent-encoded', () => {
    expect(redactUrl('/%61ppointments/change/secret')).toBe('/appointments/change/[token]');
    expect(redactUrl('/api/v1/public/%61ppointments/secret/cancel')).toBe(
      '/api/v1/public/appointments/[token]/cancel',
    );
    expect(redactUrl('/appointments%2Fchange%2Fsecret')).toBe('/appointments/change/[token]');
    expect(redactUrl('/appointments/change/%73ecret')).toBe('/appointments/change/[token]');
    expect(redactUrl('/appointments/change//secret')).toBe('/appointments/change/[token]');
    expect(redactUrl('/api//v1/public/appointments//secret')).toBe('/api/v1/public/appointments/[token]');
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/api/v1/appointments/12?status=booked')).toBe('/api/v1/appointments/12?status=booked');
    expect(redactUrl('/book/intro-call?date=2030-01-07')).toBe('/book/intro-call?date=2030-01-07');
  });
});
