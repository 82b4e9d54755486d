import type { AttemptResult } from './delivery/retry-policy';
import type {
  WebhookDeliveryAttemptDto,
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
} from './dto/webhook-delivery.dto';
import type { WebhookDto, WebhookWithSecretDto } from './dto/webhook.dto';
import type { WebhookDeliveryAttemptEntity } from './webhook-delivery-attempt.entity';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { WebhookEntity } from './webhook.entity';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** Never includes a secret: only create and rotate-secret show one, through `toWebhookWithSecretDto`. */
export function toWebhookDto(webhook: WebhookEntity, now = Date.now()): WebhookDto {
  const previousExpires = webhook.previous_secret_expires_at;
  return {
    id: webhook.id,
    title: webhook.title,
    url: webhook.url,
    triggers: webhook.triggers,
    appointment_type_ids: webhook.appointment_type_ids,
    enabled: webhook.enabled,
    disabled_reason: webhook.disabled_reason,
    token: webhook.token,
    previous_secret_expires_at:
      previousExpires !== null && previousExpires > now ? iso(previousExpires) : null,
    failing_since: isoOrNull(webhook.failing_since),
    date_created: iso(webhook.date_created),
    date_modified: iso(webhook.date_modified),
  };
}

export function toWebhookWithSecretDto(webhook: WebhookEntity): WebhookWithSecretDto {
  return { ...toWebhookDto(webhook), secret: webhook.secret };
}

export function toDeliveryDto(delivery: WebhookDeliveryEntity): WebhookDeliveryDto {
  return {
    id: delivery.id,
    webhook_id: delivery.webhook_id,
    event_id: delivery.event_id,
    action: delivery.action,
    appointment_id: delivery.appointment_id,
    status: delivery.status,
    attempt_count: delivery.attempt_count,
    next_attempt_at: delivery.status === 'pending' ? isoOrNull(delivery.next_attempt_at) : null,
    last_status_code: delivery.last_status_code,
    last_error: delivery.last_error,
    payload: delivery.payload,
    date_created: iso(delivery.date_created),
    delivered_at: isoOrNull(delivery.delivered_at),
  };
}

export function toDeliveryDetailDto(
  delivery: WebhookDeliveryEntity,
  attempts: WebhookDeliveryAttemptEntity[],
): WebhookDeliveryDetailDto {
  return { ...toDeliveryDto(delivery), attempts: attempts.map(toAttemptDto) };
}

export function toAttemptDto(
  attempt:
    | Omit<WebhookDeliveryAttemptEntity, 'id'>
    | (AttemptResult & Pick<WebhookDeliveryAttemptEntity, 'delivery_id' | 'attempt_number'>),
): WebhookDeliveryAttemptDto {
  return {
    delivery_id: attempt.delivery_id,
    attempt_number: attempt.attempt_number,
    started_at: iso(attempt.started_at),
    duration_ms: attempt.duration_ms,
    status_code: attempt.status_code,
    error: attempt.error,
    response_body: attempt.response_body === null ? null : attempt.response_body.slice(0, 4096),
  };
}
