/**
 * A domain event: a stable name and a plain, serializable payload (ids and values, never entities),
 * so it can be stored in the outbox and replayed after a crash.
 */
export abstract class DomainEvent<P extends object = object> {
  abstract readonly name: string;

  constructor(readonly payload: P) {}
}

/** What listeners receive: the event as committed to the outbox. `id` is stable across replays. */
export interface StoredEvent<P extends object = object> {
  id: number;
  name: string;
  payload: P;
  occurred_at: string;
}
