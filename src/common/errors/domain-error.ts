export interface FieldError {
  field: string;
  message: string;
}

/**
 * Every stable error code the API answers with, and its HTTP status. Services throw `DomainError`s with
 * one of these codes; the exception filter is the only place that knows about HTTP.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  body_too_deep: 400,
  invalid_url: 400,
  bad_request: 400,
  webhook_url_not_allowed: 400,
  unknown_team_member: 400,
  availability_range_too_large: 400,
  idempotency_key_invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  slug_taken: 409,
  appointment_type_in_use: 409,
  email_taken: 409,
  slot_unavailable: 409,
  appointment_canceled: 409,
  appointment_started: 409,
  webhook_disabled: 409,
  delivery_in_progress: 409,
  earlier_delivery_pending: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  expectation_failed: 417,
  slot_not_offered: 422,
  appointment_type_not_published: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(resource: string, id: number | string): DomainError {
    return new DomainError('not_found', `${resource} ${id} does not exist`);
  }

  static invalidField(field: string, message: string, code: ErrorCode = 'validation_failed'): DomainError {
    return new DomainError(code, `${field}: ${message}`, [{ field, message }]);
  }
}
