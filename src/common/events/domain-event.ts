/**
 * A domain event: a stable name and a plain, serializable payload (ids and values, never entities),
 * so it can be stored in the outbox and replayed after a crash.
 */
export abstract class DomainEvent<P extends object = object> {
  abstract readonly name: string;

  constructor(readonly payload: P) {}

  /**
   * Events of one stream (one appointment) are handled strictly in the order they were committed: a later
   * one waits while an earlier one is unhandled. Null: the event is ordered with nothing.
   */
  get streamKey(): string | null {
    return null;
  }
}

/** What listeners receive: the event as committed to the outbox. `id` is stable across replays. */
export interface StoredEvent<P extends object = object> {
  id: number;
  name: string;
  payload: P;
  occurred_at: string;
  stream_key: string | null;
}
