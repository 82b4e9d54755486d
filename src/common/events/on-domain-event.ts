import { OnEvent } from '@nestjs/event-emitter';

/** How many handler methods subscribe to each event name, counted as the decorated classes load. */
const declaredListeners = new Map<string, number>();

/**
 * Subscribes to a domain event. Errors propagate to the dispatcher (the emitter's default swallows them)
 * so that a failed listener leaves the outbox row unhandled and the relay tries again.
 */
export function OnDomainEvent(eventName: string): MethodDecorator {
  declaredListeners.set(eventName, (declaredListeners.get(eventName) ?? 0) + 1);
  return OnEvent(eventName, { suppressErrors: false });
}

/**
 * The listeners the code declares for an event. The dispatcher compares it with the emitter's registered
 * listeners: fewer registered than declared means the event would reach nobody (listeners not loaded yet,
 * or a module left out), which must fail rather than mark the event handled.
 */
export function declaredListenerCount(eventName: string): number {
  return declaredListeners.get(eventName) ?? 0;
}
