import { DomainError } from '../common/errors/domain-error';

export function deliveryInProgress(id: number): DomainError {
  return new DomainError('delivery_in_progress', `delivery ${id} is being sent right now; try again shortly`);
}

export function webhookDisabled(webhookId: number): DomainError {
  return new DomainError(
    'webhook_disabled',
    `webhook ${webhookId} is disabled; enable it to redeliver (or use its test endpoint)`,
  );
}
