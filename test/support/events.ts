import { EventEmitter2 } from '@nestjs/event-emitter';
import type { StoredEvent } from '../../src/common/events/domain-event';
import type { TestApp } from './test-app';

/** Records the domain events the app emits whose name matches `pattern` (wildcards allowed). */
export function recordEvents(t: TestApp, pattern: string): { events: StoredEvent<any>[]; clear(): void } {
  const events: StoredEvent<any>[] = [];
  t.app.get(EventEmitter2).on(pattern, (event: StoredEvent<any>) => {
    events.push(event);
  });
  return {
    events,
    clear: () => {
      events.length = 0;
    },
  };
}
