import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { parse as parseQueryString } from 'fast-querystring';
import { isUtf8 } from 'node:buffer';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { AppModule } from './app.module';
import { authenticateOnRequest, markPublic } from './common/auth/admin-auth.hook';
import { AllowedMethods } from './common/http/allowed-methods';
import { isPublicConfig } from './common/auth/public.decorator';
import { AdminCredentials } from './common/auth/admin-credentials';
import { DomainError, ErrorCode } from './common/errors/domain-error';
import {
  answeredAsPage,
  ErrorBody,
  errorBody,
  ErrorFilter,
  type PageRefusals,
  UNSUPPORTED_MEDIA_TYPE,
} from './common/errors/error.filter';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from './common/http/json-depth';
import { nulField } from './common/http/nul-field';
import { REQUEST_ID_HEADER, requestIdOf } from './common/http/request-id';
import { createPino, JsonLogger } from './common/logging/json-logger';
import { createValidationPipe } from './common/validation/validation-pipe';
import { AppConfig } from './config/app-config';
import { PageErrorFilter, pageRefusal } from './public/pages/page-error.filter';
import { setupSwagger } from './swagger';

export const BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * The most a request to a public route (the public API, the pages' forms) carries: Fastify's limit for those
 * routes, set as they are registered, so that it stops reading there whatever the content type (413). A page's
 * form with 28,000 characters of answers in a non-Latin script (9 bytes each, percent-encoded) fits. Parsing and
 * checking a body takes event-loop time in proportion to its size (1 MB of 80,000 keys about 0.1 s).
 */
export const PUBLIC_BODY_LIMIT_BYTES = 256 * 1024;
/** How many bytes of public bodies are parsed in one turn of the event loop at most (one body at least). */
const PUBLIC_BYTES_A_TURN = 16 * 1024;

/** Swagger UI and the OpenAPI document (`/docs`, `/docs/…`, `/docs-json`) are public, as swagger.ts serves them. */
const DOCS_ROUTE = /^\/docs(?:[/-]|$)/;
const ENCODED_NUL = /%00/i;

/** Builds the whole application (used by main.ts and by the e2e tests, so both run the same thing). */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const pino = createPino(config.logLevel, config.logFormat);
  // The customer pages answer refusals as pages, whichever layer raises them (the router, a hook, a parser).
  const pageFilter = new PageErrorFilter(config);
  const pages: PageRefusals = {
    paths: PAGE_PATH,
    answer: (refusal, request, reply) => pageFilter.answer(pageRefusal(refusal), request, reply),
  };
  const adapter = new FastifyAdapter({
    loggerInstance: pino,
    bodyLimit: BODY_LIMIT_BYTES,
    // A body trickled a byte at a time held its connection for good. Node applies the timeout only when the server
    // is created with it (`http`; Fastify sets it again after, so both), and checks it on an interval (30 s by
    // default: 408 after up to twice the timeout).
    requestTimeout: config.requestTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: requestIdOf,
    // The router refuses a malformed URL escape or an over-long parameter before any hook or handler, and
    // Fastify logs no completion for it: logged here, so that the log holds every request answered.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const body = errorBody(error, String(request.id));
      request.log.info(
        { req: request, res: { statusCode: body.statusCode }, code: body.code },
        'request refused',
      );
      if (answeredAsPage(pages, body, request)) {
        void reply.header(REQUEST_ID_HEADER, body.request_id);
        void pages.answer(body, request, reply);
      } else {
        sendError(reply, body);
      }
    },
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new JsonLogger(pino),
    // A module that fails to start (the database cannot be opened) rejects here, once Nest has logged it,
    // rather than ending the process itself: main.ts explains a database it cannot open.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  checkRequests(fastify, config);
  markPublic(fastify, (url) => DOCS_ROUTE.test(url));
  const publicParsing = new ParsingTurns();
  app.useBodyParser(
    'application/json',
    { bodyLimit: BODY_LIMIT_BYTES },
    inTurnsIfPublic(jsonParser(fastify), publicParsing),
  );
  app.useBodyParser(
    'application/x-www-form-urlencoded',
    { bodyLimit: BODY_LIMIT_BYTES },
    inTurnsIfPublic(formParser, publicParsing),
  );
  app.useBodyParser('text/plain', { bodyLimit: BODY_LIMIT_BYTES }, textParser);
  app.useGlobalFilters(new ErrorFilter(pages));
  app.useGlobalPipes(createValidationPipe());
  // process.exit(0) after the graceful close (not a re-raised signal) runs pino's exit flush of buffered logs.
  app.enableShutdownHooks([], { useProcessExit: true });
  setupSwagger(app);
  return app;
}

/**
 * The checks every request passes before its body is read: a NUL in its URL, the admin key (see
 * `authenticateOnRequest`), its content coding (`refusedBeforeBody`), and a public route's body limit; and the
 * connection of a request refused so is closed.
 */
function checkRequests(fastify: FastifyInstance, config: AppConfig): void {
  fastify.addHook('onRoute', (route) => {
    if (isPublicConfig(route.config)) route.bodyLimit = PUBLIC_BODY_LIMIT_BYTES;
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    // No path or query value holds a NUL: PostgreSQL refuses it in text, so it would surface as a 500.
    if (ENCODED_NUL.test(request.url)) {
      done(new DomainError('invalid_url', 'The URL contains a NUL character (%00)'));
      return;
    }
    done();
  });
  authenticateOnRequest(fastify, new AdminCredentials(config.adminApiKey), new AllowedMethods(fastify));
  fastify.addHook('onRequest', (request, _reply, done) =>
    done(ambiguousOrUnmet(request) ?? refusedBeforeBody(request)),
  );
  // An expectation other than 100-continue Node answers 417 itself, with nothing in it; handed to Fastify as any
  // request, it is answered there (ambiguousOrUnmet): the error body, or a page on a page's path. Nor does Node
  // answer 100-continue itself, at once, which asked for the body of requests refused on their headers: the 100
  // goes out once the checks above have passed, and not for a body announced larger than the route takes (nor
  // for `100-continue, foo`, not met). A request refused without it has its connection closed by Node.
  const server = fastify.server;
  const awaitingContinue = new WeakSet<object>();
  server.on('checkExpectation', (request, response) => server.emit('request', request, response));
  server.on('checkContinue', (request, response) => {
    if (isMet(request.headers.expect)) awaitingContinue.add(request);
    server.emit('request', request, response);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const announced = Number(request.headers['content-length'] ?? 0);
    if (awaitingContinue.has(request.raw) && !(announced > request.routeOptions.bodyLimit))
      reply.raw.writeContinue();
    done();
  });
  // Answered before its body has all come (refused on its headers), a request's connection closes: kept open,
  // Node read the rest of the body to reach the next request, and a client announcing 100 GB to a route it may
  // not use kept the service reading 0.9 GB/s on over a core.
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    if (!request.raw.complete && announcesBody(request)) void reply.header('connection', 'close');
    done();
  });
}

/**
 * A request that says two things where it may say one (two Content-Types: Node keeps the first, and another
 * reader the last), or expects what the service cannot do (an `Expect` other than 100-continue, RFC 9110 §10.1.1).
 */
function ambiguousOrUnmet(request: FastifyRequest): DomainError | undefined {
  if (!isMet(request.headers.expect)) {
    return new DomainError(
      'expectation_failed',
      'The service meets no expectation but Expect: 100-continue; send the request without the Expect header',
    );
  }
  const raw = request.raw.rawHeaders;
  let types = 0;
  for (let name = 0; name < raw.length; name += 2) {
    if (raw[name].length === 12 && raw[name].toLowerCase() === 'content-type') types += 1;
  }
  return types > 1
    ? new DomainError('bad_request', 'The request has more than one Content-Type header')
    : undefined;
}

/** Whether the service meets a request's `Expect`: none, or 100-continue alone. */
function isMet(expectation: string | undefined): boolean {
  return expectation === undefined || expectation.trim().toLowerCase() === '100-continue';
}

/** Whether a request says it carries a body: one without (a GET) has nothing left to read when refused. */
function announcesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A body in a content coding, refused before it is read: the service reads none (a gzipped body was called
 * invalid UTF-8, one labelled `br` read as if plain). A request without a body is not refused for the header.
 */
function refusedBeforeBody(request: FastifyRequest): DomainError | undefined {
  // Transfer codings other than chunked reach the parser still coded (Node's parser only removes the chunking).
  const transfer = codingsIn(request.headers['transfer-encoding'], 'chunked');
  if (transfer.length > 0) return notRead('Transfer-Encoding', transfer);
  const codings = announcesBody(request) ? codingsIn(request.headers['content-encoding'], 'identity') : [];
  return codings.length === 0 ? undefined : notRead('Content-Encoding', codings);
}

function notRead(header: string, codings: string[]): DomainError {
  return new DomainError(
    'unsupported_media_type',
    `The body is sent with ${header} ${codings.join(', ')}, which the service does not read: send it uncompressed`,
  );
}

/** The codings a header lists, in lower case, other than `plain` (the one that changes nothing). */
function codingsIn(header: string | undefined, plain: string): string[] {
  return (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== plain);
}

type BodyParser = (
  request: FastifyRequest,
  body: Buffer,
  done: (error: Error | null, value?: unknown) => void,
) => void;

/**
 * `parse`, with a public route's bodies parsed in turns (`ParsingTurns`): bodies that arrive together were parsed
 * back to back, and the rate limit counts a request only once its body is parsed. Without the admin key, 16 of
 * 1 MB at once held the event loop 1.6 s, 256 of 16 KB 0.1 s.
 */
function inTurnsIfPublic(parse: BodyParser, turns: ParsingTurns): BodyParser {
  return (request, body, done) => {
    if (isPublicConfig(request.routeOptions.config))
      turns.take(body.length, () => parse(request, body, done), done);
    else parse(request, body, done);
  };
}

/**
 * Parses the bodies it is given in the order given, PUBLIC_BYTES_A_TURN of them at most in one turn of the event
 * loop (a larger body alone), so that other requests are served between turns.
 */
class ParsingTurns {
  private readonly queued: { bytes: number; parse: () => void; fail: (error: Error) => void }[] = [];
  private scheduled = false;

  take(bytes: number, parse: () => void, fail: (error: Error) => void): void {
    this.queued.push({ bytes, parse, fail });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    let spent = 0;
    while (this.queued.length > 0 && (spent === 0 || spent + this.queued[0].bytes <= PUBLIC_BYTES_A_TURN)) {
      const { bytes, parse, fail } = this.queued.shift()!;
      spent += Math.max(1, bytes);
      try {
        parse();
      } catch (error) {
        // Outside Fastify's own try: thrown here, it would end the process.
        fail(error as Error);
      }
    }
    if (this.queued.length > 0) setImmediate(() => this.turn());
    else this.scheduled = false;
  }
}

/** Bytes that are not UTF-8 throw: decoded leniently, they were stored as U+FFFD without a word. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const JSON_WHITESPACE = /^[ \t\n\r]*$/;

/**
 * Fastify's JSON parser (a `__proto__` key is an error), after refusing a body nested too deep to handle and
 * bytes that are not UTF-8, JSON's encoding whatever `charset` the request names (RFC 8259 gives JSON none: a
 * client that adds `charset=iso-8859-1` to an ASCII body is fine). An empty body (a byte-order mark and white
 * space at most) is no body: clients send `content-type: application/json` on a DELETE or a POST that takes
 * none, and a route that needs one names the fields it misses.
 */
function jsonParser(fastify: FastifyInstance) {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (
    request: FastifyRequest,
    body: Buffer,
    done: (error: Error | null, value?: unknown) => void,
  ): void => {
    if (jsonNestingExceeds(body, MAX_JSON_DEPTH)) {
      done(
        new DomainError(
          'body_too_deep',
          `The JSON body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
        ),
      );
      return;
    }
    let text: string;
    try {
      text = UTF8.decode(body);
    } catch {
      done(
        new DomainError(
          'invalid_json',
          'The body is not valid UTF-8 (JSON is UTF-8, whatever charset is named)',
        ),
      );
      return;
    }
    if (JSON_WHITESPACE.test(text)) {
      done(null, undefined);
      return;
    }
    void parse(request, text, (error, value) => {
      // Refused though it parses: a key the prototype-poisoning rule refuses, which the framework calls invalid.
      if (error !== null) done(parses(text) ? new DomainError('invalid_json', PROTOTYPE_KEY) : error);
      else done(nulIn(text, value), value);
    });
  };
}

/**
 * A NUL character in a key or string of the body, refused: PostgreSQL refuses it in text, so it would surface as
 * a 500 there (and be stored on SQLite). JSON text holds one only as the escape `\u0000`: a body without that
 * text is not walked (naming the field costs a string per key and item, a fifth of a large body's handling).
 */
function nulIn(text: string, value: unknown): DomainError | null {
  const field = text.includes('\\u0000') ? nulField(value) : null;
  if (field === null) return null;
  const details = [{ field, message: 'must not contain a NUL character' }];
  return new DomainError(
    'validation_failed',
    `Invalid request: ${field} must not contain a NUL character`,
    details,
  );
}

const PROTOTYPE_KEY = 'The JSON body has a key that is refused: __proto__, or constructor.prototype';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A customer page's form post (the API takes JSON only: a form there is 415), parsed as Nest's own parser does
 * (fast-querystring, a `__proto__` key refused) once its bytes are known to be UTF-8: read leniently, bytes that
 * are not were booked as U+FFFD without a word.
 */
function formParser(
  request: FastifyRequest,
  body: Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  if (!PAGE_PATH.test(request.url)) {
    done(new DomainError('unsupported_media_type', UNSUPPORTED_MEDIA_TYPE));
    return;
  }
  // The bytes as they are, one character each, to look at the escapes.
  const bytes = body.toString('latin1');
  if (!isUtf8(body) || !isUtf8(unescaped(bytes))) {
    done(new DomainError('bad_request', 'The form is not valid UTF-8'));
    return;
  }
  // A browser sends a % typed as text as %25. A bare one made the parser give up on its value's escapes, valid
  // ones included: `caf%C3%A9%zz` was booked as typed, not as `café%zz`.
  if (BARE_PERCENT.test(bytes)) {
    done(new DomainError('bad_request', 'The form holds a % that is not followed by two hex digits'));
    return;
  }
  const form = parseQueryString(body.toString('utf8'));
  if (Object.hasOwn(form, '__proto__')) {
    done(new DomainError('bad_request', 'The form has a field named __proto__, which no form has'));
    return;
  }
  done(null, form);
}

/**
 * Text is no body the service reads: 415, as any other type but JSON (and forms on the pages). Empty (white
 * space at most), it is no body at all, as an empty JSON body: clients send `text/plain` on a POST that takes
 * none (a cancel), which Fastify's own text parser handed on as '' (refused as "body must be a JSON object"
 * on the admin cancel, ignored on the public one).
 */
function textParser(
  _request: FastifyRequest,
  body: Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  if (JSON_WHITESPACE.test(body.toString('latin1'))) {
    done(null, undefined);
    return;
  }
  done(new DomainError('unsupported_media_type', UNSUPPORTED_MEDIA_TYPE));
}

const BARE_PERCENT = /%(?![0-9A-Fa-f]{2})/;

/**
 * A form's bytes (`bytes`: one character each) with its percent-escapes decoded: what its values are made of. An
 * escape of bytes that are not UTF-8 (`%E9`, a Latin-1 é) is kept by the parser as the literal text "%E9", and
 * was booked so.
 */
function unescaped(bytes: string): Buffer {
  return Buffer.from(
    bytes.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
}

function sendError(reply: FastifyReply, body: ErrorBody): void {
  void reply
    .status(body.statusCode)
    .header(REQUEST_ID_HEADER, body.request_id)
    .header('content-type', 'application/json; charset=utf-8')
    .send(body);
}

/** Requests Node's HTTP parser refuses (a broken request line or header, too many headers, a timeout). */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable && socket.bytesWritten === 0) {
    const [code, message]: [ErrorCode, string] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'The request was not received in time']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? ['headers_too_large', 'The request headers are too large']
          : ['bad_request', 'The request is not valid HTTP'];
    const body = errorBody(new DomainError(code, message), randomUUID());
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.statusCode} ${body.error}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `${REQUEST_ID_HEADER}: ${body.request_id}\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

/** The customer pages with forms: the booking page and the change page. */
const PAGE_PATH = /^\/(book|appointments\/change)(\/|\?|$)/;
