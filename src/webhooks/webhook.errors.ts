import { DomainError } from '../common/errors/domain-error';

export function deliveryInProgress(id: number): DomainError {
  return new DomainError('delivery_in_progress', `delivery ${id} is being sent right now; try again shortly`);
}

/** A pending delivery sent before the earlier event of its appointment would reach the receiver out of order. */
export function earlierDeliveryPending(id: number, earlier: number): DomainError {
  return new DomainError(
    'earlier_delivery_pending',
    `delivery ${id} waits for delivery ${earlier}, an earlier event of the same appointment, still pending; redeliver that one first`,
  );
}

export function webhookDisabled(webhookId: number): DomainError {
  return new DomainError(
    'webhook_disabled',
    `webhook ${webhookId} is disabled; enable it to redeliver (or use its test endpoint)`,
  );
}
