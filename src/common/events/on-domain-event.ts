import { OnEvent } from '@nestjs/event-emitter';

/**
 * Subscribes to a domain event. Errors propagate to the dispatcher (the emitter's default swallows them)
 * so that a failed listener leaves the outbox row unhandled and the relay tries again.
 */
export function OnDomainEvent(eventName: string): MethodDecorator {
  return OnEvent(eventName, { suppressErrors: false });
}
