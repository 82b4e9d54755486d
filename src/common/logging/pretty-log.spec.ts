import { formatPrettyLine } from './pretty-log';

describe('formatPrettyLine', () => {
  it('shows time, level, context and message, then the other fields as key=value', () => {
    const line = JSON.stringify({
      level: 30,
      time: '2026-11-28T17:42:10.123Z',
      service: 'booking',
      context: 'Bootstrap',
      msg: 'listening',
      url: 'http://127.0.0.1:3000',
      database: 'sqlite',
    });
    expect(formatPrettyLine(line)).toBe(
      '17:42:10.123 INFO  [Bootstrap] listening url=http://127.0.0.1:3000 database=sqlite\n',
    );
  });

  it('shortens request logs to method, URL, status and duration', () => {
    const line = JSON.stringify({
      level: 30,
      time: '2026-11-28T17:42:10.123Z',
      reqId: 'abc',
      res: { statusCode: 201 },
      req: { method: 'POST', url: '/api/v1/appointments' },
      responseTime: 12.345,
      msg: 'request completed',
    });
    expect(formatPrettyLine(line)).toBe(
      '17:42:10.123 INFO  request completed POST /api/v1/appointments 201 12.3 ms reqId=abc\n',
    );
  });

  it('prints an error trace on its own lines and quotes values with spaces', () => {
    const line = JSON.stringify({
      level: 50,
      time: '2026-11-28T17:42:10.123Z',
      msg: 'failed',
      why: 'a b',
      trace: 'Error: x\n    at y',
    });
    expect(formatPrettyLine(line)).toBe('17:42:10.123 ERROR failed why="a b"\nError: x\n    at y\n');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatPrettyLine('plain text')).toBe('plain text\n');
  });
});
