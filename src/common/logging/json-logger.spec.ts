import pino from 'pino';
import { JsonLogger } from './json-logger';

function capture(): { logger: JsonLogger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const destination = {
    write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>),
  };
  return { logger: new JsonLogger(pino({ level: 'trace' }, destination)), records };
}

describe('JsonLogger', () => {
  it('logs an Error with its message and stack (Nest logs a failed start-up that way)', () => {
    const { logger, records } = capture();
    const error = Object.assign(new Error('database "booking" does not exist'), { code: '3D000' });
    logger.error(error);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 50, msg: 'database "booking" does not exist', code: '3D000' });
    expect(String(records[0].trace)).toContain('Error: database "booking" does not exist\n    at ');
  });

  it('keeps an Error’s context and a trace given beside it', () => {
    const { logger, records } = capture();
    logger.error(new Error('boom'), 'the trace', 'Ctx');
    expect(records[0]).toMatchObject({ msg: 'boom', context: 'Ctx', trace: 'the trace' });
  });

  it('still logs plain objects as fields and strings as the message', () => {
    const { logger, records } = capture();
    logger.log({ msg: 'listening', url: 'http://127.0.0.1:1' }, 'Bootstrap');
    logger.warn('careful', 'Ctx');
    expect(records[0]).toMatchObject({
      level: 30,
      msg: 'listening',
      url: 'http://127.0.0.1:1',
      context: 'Bootstrap',
    });
    expect(records[1]).toMatchObject({ level: 40, msg: 'careful', context: 'Ctx' });
  });
});
