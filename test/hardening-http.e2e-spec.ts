import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PUBLIC_BODY_LIMIT_BYTES } from '../src/app.factory';
import { MAX_JSON_DEPTH } from '../src/common/http/json-depth';
import { expectInvalid } from './support/expect-invalid';
import { killAll, startLoggingService, stopped } from './support/service-process';
import { ADMIN_KEY, AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

interface Operation {
  parameters?: { name: string; in: string }[];
}
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const types = '/api/v1/appointment-types';

/** Each documented operation whose path matches, its path parameters replaced by `id`. */
function operations(document: OpenApiDocument, matches: (path: string, operation: Operation) => boolean) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined && matches(path, item[method])).map((method) => ({
      method,
      path,
      url: (id: string) => path.replace(/\{[^}]+\}/g, id),
    })),
  );
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `text` on a raw socket and reads what comes back until the server closes or `waitMs` passes:
 * for requests no HTTP client would send (a broken header, a body announced and never sent).
 */
function rawExchange(url: string, text: string, waitMs: number): Promise<RawResponse | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRaw(received));
    };
    const timer = setTimeout(finish, waitMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const response = parseRaw(received);
      if (response && Buffer.byteLength(response.body) >= Number(response.headers['content-length']))
        finish();
    });
    socket.on('end', finish);
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? finish() : reject(error),
    );
    socket.write(text);
  });
}

function parseRaw(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** The one error body, its request id the response's `x-request-id`. */
function expectErrorBody(
  response: { status: number; headers: Record<string, string | undefined>; body: unknown },
  status: number,
  code: string,
): void {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({
    statusCode: status,
    error: expect.any(String),
    code,
    message: expect.any(String),
    request_id: response.headers['x-request-id'],
  });
  expect(response.headers['x-request-id']).toMatch(UUID);
}

describe('HTTP edge hardening (e2e)', () => {
  let t: TestApp;
  let document: OpenApiDocument;
  let typeId: number;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    document = (await t.http().get('/docs-json').expect(200)).body;
    typeId = (await t.http().post(types).set(AUTH).send({ title: 'Intro', duration: 30 }).expect(201)).body
      .id;
  });

  afterAll(async () => {
    await t.close();
  });

  describe('deeply nested JSON', () => {
    const nested = (levels: number) => `{"title":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

    it('refuses a body nested 5,000 deep with 400 body_too_deep on every kind of body route', async () => {
      const deep = nested(5000);
      expect(deep.length).toBeLessThan(31 * 1024);
      const routes: [string, string][] = [
        ['post', types],
        ['patch', `${types}/${typeId}`],
        ['post', '/api/v1/team-members'],
        ['post', '/api/v1/webhooks'],
        ['post', '/api/v1/appointments'],
        ['patch', '/api/v1/customers/1'],
      ];
      for (const [method, url] of routes) {
        const response = await t
          .http()
          [method as 'post'](url)
          .set(AUTH)
          .set('Content-Type', 'application/json')
          .send(deep);
        expect({ method, url, status: response.status }).toEqual({ method, url, status: 400 });
        expectErrorBody(response, 400, 'body_too_deep');
      }
      await t.http().get('/health').expect(200);
    });

    it(`accepts nesting up to ${MAX_JSON_DEPTH} levels (then validates it) and refuses one level more`, async () => {
      const atLimit = await t
        .http()
        .post(types)
        .set(AUTH)
        .set('Content-Type', 'application/json')
        .send(nested(MAX_JSON_DEPTH));
      expectInvalid(atLimit, 'title');
      const over = await t
        .http()
        .post(types)
        .set(AUTH)
        .set('Content-Type', 'application/json')
        .send(nested(MAX_JSON_DEPTH + 1));
      expect(over.body.code).toBe('body_too_deep');
    });

    it('counts brackets inside strings as text', async () => {
      const response = await t
        .http()
        .post(types)
        .set(AUTH)
        .send({ title: '['.repeat(200), duration: 30 });
      expect(response.status).toBe(201);
    });
  });

  describe('one error body from every layer', () => {
    it('answers a malformed URL escape with 400 invalid_url and a request id', async () => {
      for (const url of [`${types}/%E0%A4%A`, '/%', '/api/v1/%zz']) {
        const response = await t.http().get(url).set(AUTH);
        expectErrorBody(response, 400, 'invalid_url');
      }
    });

    it('answers an expectation other than 100-continue with 417 expectation_failed, a page on a page path', async () => {
      const post = (expect: string) =>
        `POST ${types} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n` +
        `Content-Type: application/json\r\nExpect: ${expect}\r\nContent-Length: 2\r\n\r\n{}`;
      // 100-continue among others is not met either: no 100 first, asking for the body to refuse it after.
      for (const expectation of ['200-ok', '100-continue, foo']) {
        const refused = await rawExchange(t.url, post(expectation), 3000);
        expectErrorBody(
          { status: refused!.status, headers: refused!.headers, body: JSON.parse(refused!.body) },
          417,
          'expectation_failed',
        );
      }
      const page = await rawExchange(t.url, 'GET /book/any HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n', 3000);
      expect([page?.status, page?.headers['content-type']]).toEqual([417, 'text/html; charset=utf-8']);
      expect(page?.body).toContain('<!doctype html>');
      // 100-continue, in any case, is met: the body is asked for, then read (an empty one: refused as invalid).
      const met = await rawExchange(t.url, post('100-Continue'), 1000);
      expect(met?.status).toBe(100);
      expect(met?.body).toMatch(/^HTTP\/1\.1 400 /);
      expect(met?.body).toContain('"code":"validation_failed"');
      // Asked for only once the request's headers pass: refused on them, it gets no 100, and no body is sent.
      const announce = (path: string, key: string, length: number) =>
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
        `Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`;
      for (const [text, status] of [
        [announce(types, 'wrong', 2), 401],
        [announce('/api/v1/public/appointment-types/none/bookings', 'x', PUBLIC_BODY_LIMIT_BYTES + 1), 413],
        [announce('/api/v1/nothing', ADMIN_KEY, 2), 404],
      ] as const) {
        const refused = await rawExchange(t.url, text, 1000);
        expect([refused?.status, refused?.headers.connection]).toEqual([status, 'close']);
      }
    });

    it('refuses a request with two Content-Types (which one holds depends on who reads it) with 400', async () => {
      for (const [first, second] of [
        ['application/json', 'text/plain'],
        ['text/plain', 'application/json'],
      ]) {
        const text =
          `POST ${types} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n` +
          `Content-Type: ${first}\r\ncontent-type: ${second}\r\nContent-Length: 2\r\n\r\n{}`;
        const refused = await rawExchange(t.url, text, 3000);
        expectErrorBody(
          { status: refused!.status, headers: refused!.headers, body: JSON.parse(refused!.body) },
          400,
          'bad_request',
        );
        expect(JSON.parse(refused!.body).message).toBe('The request has more than one Content-Type header');
      }
    });

    it('answers a NUL in a path or a query with 400 invalid_url (PostgreSQL refuses NUL in text)', async () => {
      for (const url of [
        '/api/v1/customers?email=a%00b%40example.com',
        '/api/v1/public/appointments/%00',
        '/api/v1/public/appointment-types/%00/availability',
      ]) {
        expectErrorBody(await t.http().get(url).set(AUTH), 400, 'invalid_url');
      }
      // A customer page's address answers as a page, whichever layer refuses it.
      const page = await t.http().get('/appointments/change/%00');
      expect([page.status, page.type]).toEqual([400, 'text/html']);
      expect(page.text).toContain('That address or form could not be read.');
    });

    it('answers a path escaping /docs with 403 forbidden, not internal_error', async () => {
      for (const url of ['/docs/%2e%2e/package.json', '/docs/%2e%2e/%2e%2e/etc/passwd']) {
        const response = await t.http().get(url);
        expectErrorBody(response, 403, 'forbidden');
      }
    });

    it('answers an over-long path parameter with 414 uri_too_long', async () => {
      const response = await t
        .http()
        .get(`${types}/${'1'.repeat(200)}`)
        .set(AUTH);
      expectErrorBody(response, 414, 'uri_too_long');
    });

    it('answers unknown routes with 404 route_not_found, methods a path does not take with 405', async () => {
      expectErrorBody(await t.http().get('/nope'), 404, 'route_not_found');
      for (const call of [t.http().put(types).set(AUTH), t.http().trace('/health')]) {
        expectErrorBody(await call, 405, 'method_not_allowed');
      }
      // The asterisk form names no path.
      for (const method of ['GET', 'PUT', 'OPTIONS']) {
        const answer = await rawExchange(t.url, `${method} * HTTP/1.1\r\nHost: x\r\n\r\n`, 2000);
        expect(answer?.status).toBe(404);
      }
    });

    it('answers an unsupported or empty content type with 415 unsupported_media_type', async () => {
      const xml = await t.http().post(types).set(AUTH).set('Content-Type', 'text/xml').send('<x/>');
      expectErrorBody(xml, 415, 'unsupported_media_type');
    });

    it('answers a request the HTTP parser refuses with the error body and a request id', async () => {
      const broken = await rawExchange(t.url, 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 2000);
      expect(broken?.status).toBe(400);
      expect(JSON.parse(broken?.body ?? '')).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'bad_request',
        message: expect.any(String),
        request_id: broken?.headers['x-request-id'],
      });
      const huge = await rawExchange(
        t.url,
        `GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(32 * 1024)}\r\n\r\n`,
        2000,
      );
      expect(huge?.status).toBe(431);
      expect(JSON.parse(huge?.body ?? '')).toMatchObject({
        code: 'headers_too_large',
        statusCode: 431,
        error: 'Request Header Fields Too Large',
      });
      expect(JSON.parse(huge?.body ?? '').request_id).toMatch(UUID);
    });
  });

  describe('pagination', () => {
    const lists = () =>
      operations(document, (_path, operation) =>
        (operation.parameters ?? []).some(
          (parameter) => parameter.in === 'query' && parameter.name === 'offset',
        ),
      );

    it('refuses a huge or non-decimal offset or limit on every list route with 400 naming the field', async () => {
      expect(lists().map(({ path }) => path)).toEqual(
        expect.arrayContaining([types, '/api/v1/appointments', '/api/v1/webhooks/{id}/deliveries']),
      );
      const failures: string[] = [];
      for (const { url, path } of lists()) {
        for (const field of ['offset', 'limit']) {
          for (const value of ['9999999999999999999999', '1e3', '0x10', '1.5', '-1', '']) {
            const response = await t
              .http()
              .get(`${url(String(typeId))}?${field}=${value}`)
              .set(AUTH);
            const fields = (response.body.details ?? []).map((detail: { field: string }) => detail.field);
            if (
              response.status !== 400 ||
              response.body.code !== 'validation_failed' ||
              !fields.includes(field)
            )
              failures.push(`${path}?${field}=${value}: ${response.status} ${response.body.code}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it('answers the largest exact offset with an empty page', async () => {
      for (const { url } of lists()) {
        const offset = Number.MAX_SAFE_INTEGER;
        const response = await t
          .http()
          .get(`${url(String(typeId))}?offset=${offset}`)
          .set(AUTH);
        if (response.status === 404) continue; // a webhook that does not exist
        expect({ url: url(String(typeId)), status: response.status }).toEqual({
          url: url(String(typeId)),
          status: 200,
        });
        expect(response.body).toMatchObject({ data: [], meta: { offset } });
      }
    });
  });

  describe('path ids', () => {
    const aliases = ['0x1', '1e0', '1.0', '01', '%201', '+1', '-1', '0', '2147483648', '9007199254740993'];

    it('refuses every non-canonical or out-of-range id with 400 naming id, on every :id route', async () => {
      const routes = operations(document, (path) => path.includes('{id}'));
      expect(routes.length).toBeGreaterThan(10);
      const failures: string[] = [];
      for (const { method, path, url } of routes) {
        for (const id of aliases) {
          const call = t.http()[method](url(id)).set(AUTH);
          const response = await (['post', 'patch', 'put'].includes(method) ? call.send({}) : call);
          const fields = (response.body.details ?? []).map((detail: { field: string }) => detail.field);
          if (response.status !== 400 || response.body.code !== 'validation_failed' || !fields.includes('id'))
            failures.push(
              `${method.toUpperCase()} ${path} id=${id}: ${response.status} ${response.body.code}`,
            );
        }
      }
      expect(failures).toEqual([]);
    });

    it('still reads the largest id', async () => {
      const response = await t.http().get(`${types}/2147483647`).set(AUTH);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('not_found');
      await t.http().get(`${types}/${typeId}`).set(AUTH).expect(200);
    });
  });

  describe('request ids', () => {
    it('echoes a short plain client id', async () => {
      const id = `Trace.id_9-${'x'.repeat(117)}`;
      expect(id).toHaveLength(128);
      const response = await t.http().get('/health').set('X-Request-Id', id).expect(200);
      expect(response.headers['x-request-id']).toBe(id);
    });

    it('replaces a long or unusual client id with a generated one, in the header and the error body', async () => {
      for (const id of ['x'.repeat(15 * 1024), 'x'.repeat(129), 'a b', '<script>', 'a,b', 'ünï']) {
        const response = await t.http().get(types).set('X-Request-Id', id);
        expect(response.status).toBe(401);
        expect(response.headers['x-request-id']).toMatch(UUID);
        expect(response.body.request_id).toBe(response.headers['x-request-id']);
      }
    });
  });

  describe('time zones', () => {
    it('refuses 500 KB time zones with 400 naming the field', async () => {
      for (let i = 0; i < 3; i++) {
        const timezone = `Europe/${i}${'x'.repeat(500 * 1024)}`;
        const response = await t
          .http()
          .post(types)
          .set(AUTH)
          .send({ title: `Zone ${i}`, duration: 30, timezone });
        expectInvalid(response, 'timezone');
        expect(JSON.stringify(response.body).length).toBeLessThan(4096);
      }
    });
  });

  describe('public bodies and content codings', () => {
    const bookings = '/api/v1/public/appointment-types/none/bookings';
    const overLimit = 'x'.repeat(PUBLIC_BODY_LIMIT_BYTES);

    it('answers 413 to a public POST announcing more than the public limit, before its body is sent', async () => {
      const announced =
        `POST ${bookings} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${PUBLIC_BODY_LIMIT_BYTES + 1}\r\n\r\n`;
      const response = await rawExchange(t.url, announced, 3000);
      expect(response?.status).toBe(413);
      expect(JSON.parse(response?.body ?? '')).toMatchObject({ code: 'payload_too_large' });
    });

    it('refuses one sent without a length (chunked) once read, before it is parsed', async () => {
      const json = JSON.stringify({ customer_information: { Name: overLimit } });
      const chunked =
        `POST ${bookings} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(json).toString(16)}\r\n${json}\r\n0\r\n\r\n`;
      const response = await rawExchange(t.url, chunked, 3000);
      expect(response?.status).toBe(413);
      expect(JSON.parse(response?.body ?? '')).toMatchObject({ code: 'payload_too_large' });
      const form = await t
        .http()
        .post('/book/none')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send(`field%3AName=${overLimit}`);
      expect(form.status).toBe(413);
    });

    it('still takes an admin body of that size (up to 1 MB)', async () => {
      const response = await t
        .http()
        .post(types)
        .set(AUTH)
        .send({ title: 'Big', duration: 30, description: overLimit });
      // Refused for what it says, not for its size.
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'description' })]);
    });

    it('answers 415 to a body in a content coding, which the service does not read', async () => {
      for (const coding of ['gzip', 'br', 'x-unknown']) {
        const response = await t
          .http()
          .post(types)
          .set(AUTH)
          .set('content-type', 'application/json')
          .set('content-encoding', coding)
          .send(JSON.stringify({ title: 'Coded', duration: 30 }));
        expectErrorBody(response, 415, 'unsupported_media_type');
        expect(response.body.message).toContain(`Content-Encoding ${coding}`);
      }
      await t
        .http()
        .post(types)
        .set(AUTH)
        .set('content-encoding', 'identity, identity')
        .send({ title: 'Plain', duration: 30 })
        .expect(201);
      // Without a body, the header refuses nothing.
      await t.http().get('/health').set('content-encoding', 'gzip').expect(200);
      // A transfer coding besides chunked reaches the parser still coded.
      const gzipped = `POST ${types} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH.Authorization}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`;
      const transfer = await rawExchange(t.url, gzipped, 3000);
      expect(transfer?.status).toBe(415);
      expect(JSON.parse(transfer?.body ?? '')).toMatchObject({ code: 'unsupported_media_type' });
    });
  });

  describe('admin authentication before the body', () => {
    const announced = (authorization: string) =>
      `POST ${types} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: 1000000\r\n${authorization}\r\n`;

    it('answers 401 to an admin POST without a key before its announced 1 MB body is sent', async () => {
      const started = Date.now();
      const response = await rawExchange(t.url, announced(''), 3000);
      expect(response?.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(JSON.parse(response?.body ?? '')).toMatchObject({
        code: 'unauthorized',
        request_id: response?.headers['x-request-id'],
      });
      const wrongKey = await rawExchange(t.url, announced('Authorization: Bearer wrong\r\n'), 3000);
      expect(wrongKey?.status).toBe(401);
      // And the connection closes rather than read the body nobody will use.
      expect(response?.headers.connection).toBe('close');
      const ended = await rawExchange(t.url, announced(''), 3000);
      expect(ended?.headers.connection).toBe('close');
      // A request whose body has all come keeps its connection.
      const whole = await rawExchange(t.url, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 3000);
      expect(whole?.headers.connection).toBe('keep-alive');
      // So does one without a body, refused (401) or led elsewhere (308): there is nothing left to read.
      for (const bodiless of [`GET ${types} HTTP/1.1\r\n`, 'GET /health/ HTTP/1.1\r\n']) {
        const refused = await rawExchange(t.url, `${bodiless}Host: 127.0.0.1\r\n\r\n`, 3000);
        expect([bodiless, refused?.status, refused?.headers.connection]).toEqual([
          bodiless,
          bodiless.includes('/health/') ? 308 : 401,
          'keep-alive',
        ]);
      }
    });

    it('answers 404 to an unknown route before its announced body is sent, and never parses it', async () => {
      const unknown = `POST /api/v1/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`;
      const response = await rawExchange(t.url, unknown, 3000);
      expect(response?.status).toBe(404);
      expect(JSON.parse(response?.body ?? '')).toMatchObject({ code: 'route_not_found' });
      // A broken body is not even looked at.
      const broken = await t
        .http()
        .post('/api/v1/nothing')
        .set('content-type', 'application/json')
        .send('{bad');
      expectErrorBody(broken, 404, 'route_not_found');
    });

    it('waits for the body of a request with the key, so the 401 above came before reading it', async () => {
      const response = await rawExchange(t.url, announced(`Authorization: ${AUTH.Authorization}\r\n`), 500);
      expect(response).toBeUndefined();
    });

    it('keeps public routes and the API documentation open', async () => {
      await t.http().get('/health').expect(200);
      await t.http().head('/health').expect(200);
      await t.http().get('/docs').expect(200);
      await t.http().get('/docs-json').expect(200);
      const unknown = await t.http().post('/api/v1/nope').send({});
      expect(unknown.status).toBe(404);
    });
  });
});

describe('a client gone before its body arrived (e2e)', () => {
  afterAll(killAll);

  it('is not logged as a failure of the service: no error line per dropped connection', async () => {
    const server = await startLoggingService(ADMIN_KEY);
    const { port } = new URL(server.url);
    for (const path of ['/api/v1/public/appointment-types/x/bookings', '/api/v1/appointment-types']) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
          socket.write(
            `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n` +
              'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":',
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 300);
        });
        socket.on('error', reject);
      });
    }
    // Served on as before.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    await sleep(300);
    server.child.kill('SIGTERM');
    await stopped(server);
    expect(server.stdout()).toContain('"url":"/api/v1/appointment-types"');
    expect(server.stdout()).not.toContain('"level":50');
    expect(server.stdout()).not.toContain('request failed');
  }, 240_000);
});

describe('large public bodies that arrive together (e2e, a service process)', () => {
  afterAll(killAll);

  it('are parsed one at a time, the event loop free between them: /health keeps answering', async () => {
    const server = await startLoggingService(ADMIN_KEY);
    const bookings = `${server.url}/api/v1/public/appointment-types/none/bookings`;
    // Objects of 10,000 keys, each just under the public limit: 16 parsed back to back held the loop 0.2 s.
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1])));
    expect(Buffer.byteLength(body)).toBeLessThan(PUBLIC_BODY_LIMIT_BYTES);
    // And a page's form of as many fields.
    const page = `${server.url}/book/none`;
    const form = Array.from({ length: 10_000 }, (_, i) => `k${i}=1`).join('&');
    const FORM = 'application/x-www-form-urlencoded';
    // And many bodies of 15 KB, each below one turn's share.
    const small = JSON.stringify(Object.fromEntries(Array.from({ length: 1_200 }, (_, i) => [`k${i}`, 1])));
    const slowest: number[] = [];
    // The best of five tries: a loaded machine may deschedule either process for a moment. On the slower kind of
    // machine, under CI's other work, three tries all read 104 ms or more once; alone there, 61–149 ms a try.
    while (slowest.length < 5 && !(slowest.length > 0 && Math.min(...slowest) < 100)) {
      let done = false;
      const posted = Promise.all(
        [
          ...Array(16).fill([bookings, body, 'application/json']),
          ...Array(16).fill([page, form, FORM]),
          ...Array(128).fill([bookings, small, 'application/json']),
        ].map(([url, text, type]: string[]) =>
          fetch(url, { method: 'POST', body: text, headers: { 'content-type': type } }).then(
            async (response) => {
              await response.arrayBuffer();
              return response.status;
            },
          ),
        ),
      ).finally(() => (done = true));
      const health: number[] = [];
      while (!done) {
        const asked = performance.now();
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
        health.push(performance.now() - asked);
        await sleep(5);
      }
      // Refused for what they hold, or by the rate limit, never for an error of the service.
      for (const status of await posted) expect([400, 403, 404, 429]).toContain(status);
      slowest.push(Math.max(...health));
    }
    expect(Math.min(...slowest)).toBeLessThan(100);
    server.child.kill('SIGTERM');
    await stopped(server);
  }, 240_000);
});

describe('a request not sent in time (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl(), env: { REQUEST_TIMEOUT_MS: '2000' } });
  });

  afterAll(() => t.close());

  it('answers 408 once REQUEST_TIMEOUT_MS has passed, to a body trickled or never finished', async () => {
    const started = Date.now();
    const stalled =
      `POST ${types} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH.Authorization}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":';
    const response = await rawExchange(t.url, stalled, 8000);
    expect(response?.status).toBe(408);
    expect(JSON.parse(response?.body ?? '')).toMatchObject({ code: 'request_timeout' });
    // Within a second or so of the timeout (Node looks every second), not after twice as long.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - started).toBeLessThan(5000);
    const headersOnly = await rawExchange(t.url, `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n`, 8000);
    expect(headersOnly?.status).toBe(408);
  });
});
