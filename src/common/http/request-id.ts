import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A client's request id is kept only when it is short and plain: it goes into logs and every response. */
const PLAIN_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The client's `x-request-id` when it is plain, else a fresh UUID. */
export function requestIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && PLAIN_ID.test(incoming) ? incoming : randomUUID();
}
