import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvent, StoredEvent } from './domain-event';

/** An event class: its stable name, and the payload its instances carry. */
export interface DomainEventClass<E extends DomainEvent = DomainEvent> {
  readonly eventName: string;
  new (...args: never[]): E;
}

/** The payload of an event class's instances. */
export type PayloadOf<E> = E extends DomainEvent<infer P> ? P : never;

/** What a listener of event class `E` receives: the committed event with `E`'s payload. */
export type Committed<E extends DomainEvent> = StoredEvent<PayloadOf<E>>;

type Handler<E extends DomainEvent> = (event: Committed<E>) => Promise<void> | void;

/** How many handler methods subscribe to each event name, counted as the decorated classes load. */
const declaredListeners = new Map<string, number>();

/**
 * Subscribes a method to an event class; the compiler holds the method's parameter to that class's payload.
 * Errors propagate to the dispatcher (the emitter's default swallows them) so that a failed listener leaves
 * the outbox row unhandled and the relay tries again.
 */
export function OnDomainEvent<E extends DomainEvent>(
  event: DomainEventClass<E>,
): <H extends Handler<E>>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<H>,
) => void {
  declaredListeners.set(event.eventName, (declaredListeners.get(event.eventName) ?? 0) + 1);
  const subscribe = OnEvent(event.eventName, { suppressErrors: false });
  return (target, key, descriptor) => subscribe(target, key, descriptor);
}

/**
 * The listeners the code declares for an event. The dispatcher compares it with the emitter's registered
 * listeners: fewer registered than declared means the event would reach nobody (listeners not loaded yet,
 * or a module left out), which must fail rather than mark the event handled.
 */
export function declaredListenerCount(eventName: string): number {
  return declaredListeners.get(eventName) ?? 0;
}
