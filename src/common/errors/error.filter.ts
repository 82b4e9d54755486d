import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES as NODE_REASONS } from 'node:http';
import { redactUrl } from '../logging/redact-url';
import { DomainError, ERROR_STATUS, ErrorCode, FieldError } from './domain-error';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  request_id: string;
  details?: FieldError[];
}

/** What a 415 says, whichever layer refuses the body (the pages take forms, everything else JSON). */
export const UNSUPPORTED_MEDIA_TYPE = 'The API takes JSON bodies (application/json)';

/**
 * Fastify's own errors (`FST_*`, raised before a handler runs) that a client caused, by stable code. Any
 * other 4xx from Fastify or a plugin gets the code of its status (below); a 5xx stays `internal_error`.
 */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: 'invalid_url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_NOT_FOUND: 'route_not_found',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_VALIDATION: 'validation_failed',
};

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route_not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'service_unavailable',
};

/**
 * Paths whose refusals are pages (a browser's form post), and what answers them: a refusal raised before their
 * route's own filter runs (the form's parser, its size) would otherwise reach the browser as JSON.
 */
export interface PageRefusals {
  paths: RegExp;
  answer(refusal: ErrorBody, request: FastifyRequest, reply: FastifyReply): unknown;
}

/** Whether `pages` answers this refusal: a client's (4xx) of a request to one of their paths. */
export function answeredAsPage(
  pages: PageRefusals | undefined,
  refusal: ErrorBody,
  request: FastifyRequest,
): pages is PageRefusals {
  return pages !== undefined && refusal.statusCode < 500 && pages.paths.test(request.url);
}

/** The one place where errors become HTTP responses: `{ statusCode, error, code, message, request_id, details? }`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly pages?: PageRefusals) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = isClientGone(exception, request)
      ? errorBody(new DomainError('bad_request', CLIENT_GONE), String(request.id))
      : this.toBody(exception, String(request.id));
    if (answeredAsPage(this.pages, body, request)) {
      void this.pages.answer(body, request, reply);
      return;
    }
    if (body.statusCode >= 500) {
      this.logger.error({
        msg: 'request failed',
        request_id: body.request_id,
        method: request.method,
        url: redactUrl(request.url),
        error: exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      });
    }
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  toBody(exception: unknown, requestId: string): ErrorBody {
    return errorBody(exception, requestId);
  }
}

/** The error body for anything thrown or raised by any layer (Nest, Fastify, a Fastify plugin). */
export function errorBody(exception: unknown, requestId: string): ErrorBody {
  if (exception instanceof DomainError) {
    return body(exception.code, exception.message, requestId, exception.details);
  }
  // Nest's Fastify adapter wraps Fastify's client errors in an HttpException whose `cause` is the original.
  const fastifyError = (exception instanceof HttpException ? exception.cause : exception) as {
    code?: unknown;
    statusCode?: unknown;
    message?: unknown;
  } | null;
  const fastifyCode = fastifyError?.code;
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_CODES) {
    const code = FASTIFY_CODES[fastifyCode];
    // One message for every body the service does not read, as the text and form parsers give it.
    const message =
      code === 'unsupported_media_type' ? UNSUPPORTED_MEDIA_TYPE : String(fastifyError?.message);
    return body(code, message, requestId);
  }
  const status = statusOf(exception, fastifyError);
  if (status === 503) return body('service_unavailable', 'The service is unavailable', requestId);
  if (status < 400 || status >= 500) {
    return {
      ...body('internal_error', 'An unexpected error occurred', requestId),
      statusCode: status,
      error: httpReason(status),
    };
  }
  const message = String((exception as Error).message);
  const code = STATUS_CODES[status];
  if (code) return body(code, message, requestId);
  // A client error no layer here is known to raise: its code is the status's name (`precondition_failed`).
  return {
    statusCode: status,
    error: httpReason(status),
    code: ((HttpStatus[status] as string | undefined) ?? 'bad_request').toLowerCase(),
    message,
    request_id: requestId,
  };
}

const CLIENT_GONE = 'The client closed the connection before the body arrived';

/**
 * The request's own connection closed while its body was read (Node's `aborted`): nobody hears the answer, and
 * it is no failure of the service's (answered 500, each one was logged as an error, a flood anyone could send).
 * Only when this request's socket is gone: the same error from anything else stays what it is.
 */
function isClientGone(exception: unknown, request: FastifyRequest): boolean {
  const { code, message } = (exception ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' && message === 'aborted' && request.raw.destroyed;
}

/** An HttpException's status, a Fastify error's own; 500 for anything else (a bug, never the client's). */
function statusOf(exception: unknown, fastifyError: { code?: unknown; statusCode?: unknown } | null): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const { code, statusCode } = fastifyError ?? {};
  const isFastify = typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number';
  return isFastify ? statusCode : 500;
}

function body(code: ErrorCode, message: string, requestId: string, details?: FieldError[]): ErrorBody {
  const statusCode = ERROR_STATUS[code];
  const result: ErrorBody = {
    statusCode,
    error: httpReason(statusCode),
    code,
    message,
    request_id: requestId,
  };
  if (details) result.details = details;
  return result;
}

/** The reason phrase of a status, as the error body's `error` shows it (`Unprocessable Entity`). */
export function httpReason(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  // Nest's list lacks a few (431 Request Header Fields Too Large): Node's has them.
  if (!name) return NODE_REASONS[status] ?? 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
