import type { StoredEvent } from '../../src/common/events/domain-event';
import { Transactions } from '../../src/database/transactions';
import type { TestApp } from './test-app';

/**
 * Records the domain events the app commits whose name matches `pattern` (`*` matches one name segment).
 * They are recorded at commit, before the response is sent, so a test sees them as soon as its request
 * returned; their emission to listeners happens after that.
 */
export function recordEvents(t: TestApp, pattern: string): { events: StoredEvent<any>[]; clear(): void } {
  const events: StoredEvent<any>[] = [];
  const matches = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^.]+')}$`,
  );
  t.app.get(Transactions).onCommitted((committed) => {
    events.push(...committed.filter((event) => matches.test(event.name)));
  });
  return {
    events,
    clear: () => {
      events.length = 0;
    },
  };
}
