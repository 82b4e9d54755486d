import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { redactUrl } from '../logging/redact-url';
import { DomainError, ERROR_STATUS, ErrorCode, FieldError } from './domain-error';

interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  request_id: string;
  details?: FieldError[];
}

/** Fastify's own errors (raised before a handler runs) that a client caused. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'route_not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** The one place where errors become HTTP responses: `{ statusCode, error, code, message, request_id, details? }`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception, String(request.id));
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
    if (exception instanceof DomainError) {
      return body(exception.code, exception.message, requestId, exception.details);
    }
    // Nest's Fastify adapter wraps Fastify's client errors in an HttpException whose `cause` is the original.
    const fastifyError = exception instanceof HttpException ? exception.cause : exception;
    const fastifyCode = (fastifyError as { code?: unknown } | null)?.code;
    if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_CODES) {
      return body(FASTIFY_CODES[fastifyCode], (exception as Error).message, requestId);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = STATUS_CODES[status];
      if (code) return body(code, exception.message, requestId);
      return {
        ...body('internal_error', exception.message, requestId),
        statusCode: status,
        error: httpReason(status),
      };
    }
    return body('internal_error', 'An unexpected error occurred', requestId);
  }
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

function httpReason(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
