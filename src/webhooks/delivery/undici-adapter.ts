import axios, {
  AxiosError,
  AxiosHeaders,
  CanceledError,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { errors, type Dispatcher } from 'undici';

const ACCEPT_ENCODING = 'gzip, compress, deflate, br';

/**
 * The webhook sender's axios transport: each request goes to an undici `Dispatcher` (the SSRF-guarded agent
 * of `createGuardedDispatcher`, whose connect-time lookup checks every address actually connected to). On
 * node:http the client's own work (its agent, header objects, socket streams) was about as much CPU per
 * delivery as the rest of the delivery together; undici's pool does the same request for a fraction of it.
 *
 * What axios' own Node adapter does besides (redirects, proxies, progress events, upload streams) is not
 * needed here. Answers are always streamed (whatever `responseType` says), decompressed as axios does, and
 * settled by `validateStatus` when one is set (every status otherwise, as axios' own `settle`); failures are
 * AxiosErrors with the codes axios uses (`ECONNABORTED` on timeout, `ERR_CANCELED` on abort, the socket's or
 * undici's own code otherwise).
 */
export function undiciAdapter(dispatcher: Dispatcher): AxiosAdapter {
  return (config) => send(dispatcher, config);
}

async function send(
  dispatcher: Dispatcher,
  config: InternalAxiosRequestConfig,
): Promise<AxiosResponse<Readable>> {
  let url: URL;
  try {
    url = new URL(config.url ?? '', config.baseURL);
  } catch (error) {
    throw AxiosError.from(error, AxiosError.ERR_INVALID_URL, config);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AxiosError(`Unsupported protocol ${url.protocol}`, AxiosError.ERR_BAD_REQUEST, config);
  }
  const method = (config.method ?? 'get').toUpperCase();
  const body = requestBody(config.data);
  const caller = config.signal as AbortSignal | undefined;
  // axios' `timeout` bounds the whole request, its answer's body included; the sender sets none (its own
  // deadline, through `signal`, covers the attempt).
  const timeout = config.timeout ? AbortSignal.timeout(config.timeout) : undefined;
  const signal = timeout && caller ? AbortSignal.any([caller, timeout]) : (timeout ?? caller);
  let answer: Dispatcher.ResponseData;
  try {
    answer = await requestOnNoLostConnection(dispatcher, {
      origin: url.origin,
      path: url.pathname + url.search,
      method,
      headers: requestHeaders(config, url),
      body,
      signal,
      // The caller's deadline bounds the attempt; undici's own timers (300 s by default) would cut a longer
      // WEBHOOK_TIMEOUT_MS short, and only race it otherwise.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  } catch (error) {
    if (timeout?.aborted) throw timeoutError(config);
    if (caller?.aborted) throw new CanceledError(undefined, config);
    // An answer of 101 Switching Protocols, an upgrade nobody asked for, undici refuses as a "bad upgrade".
    // It is the answer it is, without a body (a failure of the receiver's), not a broken connection.
    if (!(error instanceof errors.SocketError && error.message === 'bad upgrade'))
      throw transportError(error as Error, config);
    answer = { statusCode: 101, headers: {}, body: Readable.from([]) } as unknown as Dispatcher.ResponseData;
  }
  const data = decompressed(
    answer.body,
    answer.headers,
    method,
    answer.statusCode,
    config.decompress !== false,
  );
  const response: AxiosResponse<Readable> = {
    status: answer.statusCode,
    statusText: '',
    headers: responseHeaders(answer.headers),
    config,
    request: undefined,
    data,
  };
  const validate = config.validateStatus;
  if (validate && !validate(response.status)) {
    discard(response.data);
    throw statusError(response);
  }
  return response;
}

/**
 * The answer's headers as axios keeps them, copied as undici gives them: names in lower case, values as its
 * parser let them through (trimmed, no control characters), a list for a header sent twice. That is what
 * AxiosHeaders' constructor makes of them too, after looking each name up among those set before and
 * sanitizing each value, about 5 µs an answer (and axios normalizes them all once more when it settles a
 * response).
 */
function responseHeaders(headers: IncomingHttpHeaders): AxiosHeaders {
  return Object.assign(new AxiosHeaders(), headers);
}

/**
 * A keep-alive connection that the receiver closes while it is idle can be taken for a request at the moment
 * it closes: the request is lost before any answer (undici's "other side closed", a reset), and the attempt
 * failed, to be retried seconds later (about 2 % of first attempts to a receiver closing idle connections after
 * 200 ms without a Keep-Alive hint). Such a request is sent once more at once, on a new connection; a receiver
 * that did get it sees it twice under one webhook-id, as after any retry.
 */
async function requestOnNoLostConnection(
  dispatcher: Dispatcher,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  try {
    return await dispatcher.request(options);
  } catch (error) {
    if (!lostBeforeAnswer(error) || (options.signal as AbortSignal | undefined)?.aborted) throw error;
    return dispatcher.request(options);
  }
}

function lostBeforeAnswer(error: unknown): boolean {
  if (error instanceof errors.SocketError) return error.message === 'other side closed';
  const { code } = error as { code?: string };
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The request's headers, as the caller set them (names as spelt: some receivers read them case and all);
 * undici writes `host`, `connection` and `content-length` itself.
 */
function requestHeaders(config: InternalAxiosRequestConfig, url: URL): Record<string, string> {
  // The request's own: axios made them for this request (dispatchRequest), so they are set in place.
  const headers = config.headers;
  headers.set('User-Agent', `axios/${axios.VERSION}`, false);
  if (config.decompress !== false) headers.set('Accept-Encoding', ACCEPT_ENCODING, false);
  headers.delete('Content-Length');
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.set('Authorization', `Basic ${Buffer.from(credentials).toString('base64')}`, false);
  }
  return headers.toJSON() as Record<string, string>;
}

/**
 * An error of the transport as axios would give it: a socket's own error (`ECONNREFUSED`, the SSRF guard's
 * refusal at connect) keeps its code, undici's keep theirs (`UND_ERR_SOCKET`…).
 */
function transportError(error: Error, config: InternalAxiosRequestConfig): AxiosError {
  if (error instanceof AxiosError) return error;
  return AxiosError.from(error, (error as NodeJS.ErrnoException).code, config);
}

function timeoutError(config: InternalAxiosRequestConfig): AxiosError {
  return new AxiosError(
    `timeout of ${config.timeout}ms exceeded`,
    config.transitional?.clarifyTimeoutError ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED,
    config,
  );
}

function statusError(response: AxiosResponse<Readable>): AxiosError {
  return new AxiosError(
    `Request failed with status code ${response.status}`,
    response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
    response.config,
    undefined,
    response,
  );
}

function requestBody(data: unknown): Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return Buffer.from(data as ArrayBuffer);
  throw new TypeError('the webhook transport sends strings and buffers only');
}

/** The answer's body, decoded as axios decodes it (and its content-encoding header dropped once decoded). */
function decompressed(
  body: Readable,
  headers: IncomingHttpHeaders,
  method: string,
  status: number,
  decompress: boolean,
): Readable {
  const header = headers['content-encoding'];
  const encoding = (Array.isArray(header) ? header.join(',') : (header ?? '')).toLowerCase();
  if (!decompress || !encoding) return body;
  if (method === 'HEAD' || status === 204) {
    delete headers['content-encoding'];
    return body;
  }
  const flush = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  let decoders: Array<Transform | zlib.Unzip | zlib.BrotliDecompress>;
  if (['gzip', 'x-gzip', 'compress', 'x-compress'].includes(encoding)) {
    decoders = [zlib.createUnzip(flush)];
  } else if (encoding === 'deflate') {
    // As axios: a raw deflate body (no zlib header, as some servers send) gets one before Unzip.
    decoders = [new ZlibHeader(), zlib.createUnzip(flush)];
  } else if (encoding === 'br') {
    decoders = [
      zlib.createBrotliDecompress({
        flush: zlib.constants.BROTLI_OPERATION_FLUSH,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
      }),
    ];
  } else {
    return body;
  }
  delete headers['content-encoding'];
  // Undecodable only if the whole answer had arrived: one that broke off (or was aborted) is a failure of the
  // answer, whenever its decoder gave up, so the same bytes always come to the same outcome.
  for (const decoder of decoders) {
    decoder.once('error', (error: Error) => {
      if (body.readableEnded) (error as Partial<Record<typeof UNDECODABLE, true>>)[UNDECODABLE] = true;
    });
  }
  pipeline([body, ...decoders], () => undefined);
  return decoders[decoders.length - 1];
}

/**
 * Drops an answer's stream, read or not. Destroyed before its end, undici's body stream reports the abort as
 * an 'error', which nobody is left to hear: unheard, an uncaught error.
 */
export function discard(stream: Readable): void {
  stream.on('error', ignore).destroy();
}

function ignore(): void {}

const UNDECODABLE = Symbol('undecodable answer');

/**
 * Whether an answer's stream failed because its body, all of which arrived, does not decode as its
 * content-encoding says (a plain body labelled gzip, a broken brotli stream), rather than because the answer
 * itself broke off.
 */
export function isUndecodable(error: unknown): boolean {
  // Not `instanceof Error`: zlib's errors may come from another realm than this module's (as under jest).
  return typeof error === 'object' && error !== null && UNDECODABLE in error;
}

/** Prefixes a zlib header to a deflate stream that starts without one (axios' ZlibHeaderTransformStream). */
class ZlibHeader extends Transform {
  private first = true;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk[0] !== 0x78) this.push(Buffer.from([0x78, 0x9c]));
    }
    callback(null, chunk);
  }
}
