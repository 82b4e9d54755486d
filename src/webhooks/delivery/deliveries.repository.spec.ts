// Nest's packages load as ES modules, which the unit tests' jest does not: the repository needs only decorators.
jest.mock('@nestjs/common', () => ({ Injectable: () => () => undefined }));
jest.mock('@nestjs/typeorm', () => ({ InjectDataSource: () => () => undefined }));

import type { Transactions } from '../../database/transactions';
import { DeliveriesRepository, DeliveryOutcome } from './deliveries.repository';

/** Transactions whose `run`s fail in turn with the given errors (undefined: the run goes through). */
function transactions(failures: (Error | undefined)[]) {
  const written: unknown[][][] = [];
  let current: unknown[][] = [];
  const fake = {
    isPostgres: false,
    run: async (work: (tx: unknown) => Promise<unknown>) => {
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      current = [];
      await work({ manager: undefined });
      written.push(current);
    },
    sql: (_text: string, params: unknown[]) => {
      current.push(JSON.parse(params[0] as string) as unknown[]);
      return Promise.resolve([]);
    },
  };
  return { repository: new DeliveriesRepository(fake as unknown as Transactions), written };
}

function failure(code: string): Error {
  return Object.assign(new Error(code), { code });
}

const OUTCOME: DeliveryOutcome = {
  delivery: {
    id: 7,
    webhook_id: 1,
    status: 'pending',
    attempt_count: 0,
    payload: '{}',
    manual: false,
    delivered_at: null,
    lease_until: 1000,
  },
  result: {
    started_at: 1,
    duration_ms: 2,
    status_code: 500,
    error: null,
    response_body: 'busy',
    retry_after: null,
  },
  decision: { status: 'pending', next_attempt_at: 5000, delivered_at: null, gone: false },
  last_error: 'HTTP 500',
};

describe('DeliveriesRepository.record', () => {
  it('writes an outcome the database refuses (a constraint) without its text', async () => {
    const { repository, written } = transactions([
      failure('SQLITE_CONSTRAINT_TRIGGER'),
      failure('SQLITE_CONSTRAINT_TRIGGER'),
    ]);
    await repository.record([OUTCOME], []);
    const [[[attempt], [delivery]]] = written as unknown[][][][];
    expect(attempt[6]).toBeNull();
    expect(delivery[5]).toContain('not stored');
  });

  it.each(['SQLITE_BUSY', 'ECONNREFUSED', '57P01', undefined])(
    'keeps the text of an outcome the database failed to write for itself (%s): it throws, the delivery is sent again',
    async (code) => {
      const down = code === undefined ? new Error('Connection terminated unexpectedly') : failure(code);
      const { repository, written } = transactions([down, down]);
      await expect(repository.record([OUTCOME], [])).rejects.toBe(down);
      expect(written).toEqual([]);
    },
  );
});
