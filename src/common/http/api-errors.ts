import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode, FieldError } from '../errors/domain-error';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { httpReason, UNSUPPORTED_MEDIA_TYPE } from '../errors/error.filter';

/** What each code's body looks like, as the service answers it: Swagger shows one example per code. */
const EXAMPLES: Partial<Record<ErrorCode, { message: string; details?: FieldError[] }>> = {
  validation_failed: {
    message: 'Invalid request: timezone must be an IANA time zone such as Europe/Berlin',
    details: [{ field: 'timezone', message: 'must be an IANA time zone such as Europe/Berlin' }],
  },
  invalid_json: { message: "Body is not valid JSON but content-type is set to 'application/json'" },
  bad_request: { message: 'Bad Request' },
  webhook_url_not_allowed: {
    message:
      'url: address 127.0.0.1 is not public; private and loopback addresses are refused unless the service runs with WEBHOOK_ALLOW_PRIVATE_URLS=true',
    details: [
      {
        field: 'url',
        message:
          'address 127.0.0.1 is not public; private and loopback addresses are refused unless the service runs with WEBHOOK_ALLOW_PRIVATE_URLS=true',
      },
    ],
  },
  unknown_team_member: {
    message: 'team_member_ids: unknown team member id(s): 42',
    details: [{ field: 'team_member_ids', message: 'unknown team member id(s): 42' }],
  },
  unauthorized: { message: 'A valid admin API key is required: Authorization: Bearer <ADMIN_API_KEY>' },
  not_found: { message: 'appointment type 42 does not exist' },
  route_not_found: { message: 'Route GET /api/v1/nothing-here not found' },
  method_not_allowed: {
    message: 'PUT is not allowed on /api/v1/webhooks/1; it takes GET, HEAD, PATCH, DELETE',
  },
  slug_taken: {
    message: 'slug: slug "intro-call" is already used by another appointment type',
    details: [{ field: 'slug', message: 'slug "intro-call" is already used by another appointment type' }],
  },
  appointment_type_in_use: {
    message: 'appointment type 1 has appointments; set its status to draft to stop new bookings instead',
  },
  email_taken: {
    message: 'email: email "ada@example.com" is already used by another team member',
    details: [{ field: 'email', message: 'email "ada@example.com" is already used by another team member' }],
  },
  slot_unavailable: { message: 'that slot is no longer available' },
  appointment_canceled: { message: 'appointment 7 is canceled; its time cannot change' },
  appointment_started: {
    message: 'this appointment started at 2030-01-07T09:00:00.000Z; it can no longer be changed online',
  },
  webhook_disabled: { message: 'webhook 3 is disabled; enable it first' },
  delivery_in_progress: { message: 'delivery 12 is being sent right now; try again shortly' },
  earlier_delivery_pending: {
    message:
      'delivery 12 waits for delivery 11, an earlier event of the same appointment, still pending; redeliver that one first',
  },
  payload_too_large: { message: 'Request body is too large' },
  unsupported_media_type: { message: UNSUPPORTED_MEDIA_TYPE },
  slot_not_offered: {
    message:
      "that start is not offered by this appointment type (in the past, off its grid, outside its hours or its hosts' hours, with no host active, within its notice, beyond its horizon, or in a blackout)",
  },
  rate_limited: { message: 'Too many requests; retry after 60 s' },
  internal_error: { message: 'An unexpected error occurred' },
  service_unavailable: { message: 'The database is not reachable' },
};

export function errorExample(code: ErrorCode): ErrorResponseDto {
  const example = EXAMPLES[code] ?? { message: code.replace(/_/g, ' ') };
  const status = ERROR_STATUS[code];
  return {
    statusCode: status,
    error: httpReason(status),
    code,
    message: example.message,
    request_id: '6f1c2a9e-3d4b-4f7a-9a51-0c2d9b7e8f10',
    ...(example.details && { details: example.details }),
  };
}

/**
 * Documents the error responses of a route by their stable codes, grouped by status: each status lists its own
 * codes, with one example body per code.
 */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...[...byStatus].map(([status, grouped]) =>
      ApiResponse({
        status,
        description: `code: ${grouped.join(' | ')}`,
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(ErrorResponseDto) },
            examples: Object.fromEntries(grouped.map((code) => [code, { value: errorExample(code) }])),
          },
        },
      }),
    ),
  );
}
