import axios, {
  AxiosError,
  AxiosHeaders,
  CanceledError,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';

const ACCEPT_ENCODING = 'gzip, compress, deflate, br';

/**
 * The webhook sender's axios transport: each request goes straight to `http.request`/`https.request` on the
 * configured `httpAgent`/`httpsAgent` (the SSRF-guarded keep-alive agents: their `lookup` checks every
 * address actually connected to). What axios' own Node adapter does besides (redirects, proxies, progress
 * events, upload streams, a keep-alive probe set on the socket of every request) is not needed here; it cost
 * more CPU per delivery than the request itself. Answers are streamed (`responseType: 'stream'`), decompressed
 * as axios does, and settled with `validateStatus`; failures are AxiosErrors with the codes axios uses
 * (`ECONNABORTED` on timeout, `ERR_CANCELED` on abort, the socket's own code otherwise).
 */
export function nodeHttpAdapter(config: InternalAxiosRequestConfig): Promise<AxiosResponse<Readable>> {
  let url: URL;
  try {
    url = new URL(config.url ?? '', config.baseURL);
  } catch (error) {
    return Promise.reject(AxiosError.from(error as Error, AxiosError.ERR_INVALID_URL, config));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return Promise.reject(
      new AxiosError(`Unsupported protocol ${url.protocol}`, AxiosError.ERR_BAD_REQUEST, config),
    );
  }
  const method = (config.method ?? 'get').toUpperCase();
  const body = requestBody(config.data);
  return new Promise((resolve, reject) => {
    const request = open(config, url, method, body);
    const signal = config.signal as AbortSignal | undefined;
    let settled = false;
    const onAbort = () => fail(new CanceledError(undefined, config, request));
    const fail = (error: Error) => {
      signal?.removeEventListener('abort', onAbort);
      request.destroy(error);
      if (settled) return;
      settled = true;
      reject(error);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      if (!settled)
        fail(error instanceof AxiosError ? error : AxiosError.from(error, undefined, config, request));
    });
    if (config.timeout) request.setTimeout(config.timeout, () => fail(timeoutError(config, request)));
    const answer = (response: AxiosResponse<Readable>) => {
      settled = true;
      const validate = config.validateStatus;
      if (!validate || validate(response.status)) resolve(response);
      else {
        response.data.destroy();
        reject(statusError(response));
      }
    };
    request.on('response', (incoming) => {
      // The abort still ends the answer's stream while the caller reads it.
      incoming.once('close', () => signal?.removeEventListener('abort', onAbort));
      answer(
        toResponse(config, request, incoming, decompressed(incoming, method, config.decompress !== false)),
      );
    });
    // A request can close with neither a 'response' nor an 'error': node:http ends an answer of 101 Switching
    // Protocols (an upgrade nobody listens for) by destroying the socket, and says nothing. Left alone, the
    // request waited for the caller's deadline (the whole WEBHOOK_TIMEOUT_MS) and failed as a timeout; it is
    // the answer it is, without a body. Any other silent close is a hang-up.
    request.once('close', () => {
      if (settled) return;
      signal?.removeEventListener('abort', onAbort);
      const upgraded = (request as { res?: http.IncomingMessage }).res;
      if (upgraded?.statusCode) answer(upgradeResponse(config, request, upgraded));
      else fail(AxiosError.from(new Error('socket hang up'), 'ECONNRESET', config, request));
    });
    request.end(body);
  });
}

function open(
  config: InternalAxiosRequestConfig,
  url: URL,
  method: string,
  body: Buffer | undefined,
): http.ClientRequest {
  const headers = AxiosHeaders.from(config.headers);
  headers.set('User-Agent', `axios/${axios.VERSION}`, false);
  if (body !== undefined) headers.setContentLength(body.length, false);
  if (config.decompress !== false) headers.set('Accept-Encoding', ACCEPT_ENCODING, false);
  const secure = url.protocol === 'https:';
  const agent = (secure ? config.httpsAgent : config.httpAgent) as http.Agent | undefined;
  return (secure ? https : http).request({
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port,
    path: url.pathname + url.search,
    method,
    headers: headers.toJSON() as http.OutgoingHttpHeaders,
    agent,
    auth:
      url.username || url.password
        ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
        : undefined,
  });
}

function toResponse(
  config: InternalAxiosRequestConfig,
  request: http.ClientRequest,
  incoming: http.IncomingMessage,
  data: Readable,
): AxiosResponse<Readable> {
  return {
    status: incoming.statusCode ?? 0,
    statusText: incoming.statusMessage ?? '',
    headers: new AxiosHeaders(incoming.headers as Record<string, string>),
    config,
    request,
    data,
  };
}

/** An answer node:http gave no 'response' for (an upgrade): its status and headers, and no body. */
function upgradeResponse(
  config: InternalAxiosRequestConfig,
  request: http.ClientRequest,
  incoming: http.IncomingMessage,
): AxiosResponse<Readable> {
  incoming.destroy();
  return toResponse(config, request, incoming, Readable.from([]));
}

function timeoutError(config: InternalAxiosRequestConfig, request: http.ClientRequest): AxiosError {
  return new AxiosError(
    `timeout of ${config.timeout}ms exceeded`,
    config.transitional?.clarifyTimeoutError ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED,
    config,
    request,
  );
}

function statusError(response: AxiosResponse<Readable>): AxiosError {
  return new AxiosError(
    `Request failed with status code ${response.status}`,
    response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
    response.config,
    response.request,
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
function decompressed(incoming: http.IncomingMessage, method: string, decompress: boolean): Readable {
  const encoding = (incoming.headers['content-encoding'] ?? '').toLowerCase();
  if (!decompress || !encoding) return incoming;
  if (method === 'HEAD' || incoming.statusCode === 204) {
    delete incoming.headers['content-encoding'];
    return incoming;
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
    return incoming;
  }
  delete incoming.headers['content-encoding'];
  pipeline([incoming, ...decoders], () => undefined);
  return decoders[decoders.length - 1];
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
