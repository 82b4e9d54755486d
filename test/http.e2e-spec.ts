import { request as httpRequest } from 'node:http';
import { DataSource } from 'typeorm';
import { BODY_LIMIT_BYTES } from '../src/app.factory';
import { ADMIN_KEY, AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}
type OpenApiDocument = {
  security?: Record<string, string[]>[];
  components: {
    securitySchemes: Record<string, { type: string; scheme: string }>;
    schemas: Record<string, { required?: string[]; properties: Record<string, unknown> }>;
  };
  paths: Record<string, Record<string, Operation>>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const types = '/api/v1/appointment-types';

/** Each documented operation, its path parameters replaced by `1`. */
function operations(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => ({
      method,
      path,
      url: path.replace(/\{[^}]+\}/g, '1'),
      operation: item[method],
      name: `${method.toUpperCase()} ${path}`,
    })),
  );
}

/** An operation without its own `security` inherits the document's global `admin` requirement. */
function isAdmin(document: OpenApiDocument, operation: Operation): boolean {
  const security = operation.security ?? document.security ?? [];
  return security.some((requirement) => 'admin' in requirement);
}

describe('HTTP foundation (e2e)', () => {
  let t: TestApp;
  let databaseUrl: string;
  let document: OpenApiDocument;
  /** Every route the application registered with Fastify (`GET /api/v1/x/:id`). */
  const registered: string[] = [];

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl();
    t = await startTestApp({
      databaseUrl,
      beforeListen: (app) => {
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('onRoute', (route) => {
            for (const method of [route.method].flat()) registered.push(`${method} ${route.url}`);
          });
      },
    });
    document = (await t.http().get('/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    await t.close();
  });

  const send = (method: string, url: string) => {
    const call = t.http()[method as 'get'](url);
    return ['post', 'put', 'patch'].includes(method) ? call.send({}) : call;
  };

  describe('admin authentication', () => {
    it('documents a bearer security scheme required by default', () => {
      expect(document.components.securitySchemes.admin).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(document.security).toEqual([{ admin: [] }]);
    });

    it('documents public routes with an empty security requirement', () => {
      expect(document.paths['/health'].get.security).toEqual([]);
    });

    it('covers every registered route in the OpenAPI document', () => {
      const documented = new Set(
        operations(document).map(({ method, path }) => `${method.toUpperCase()} ${path}`),
      );
      const routes = registered
        .filter((route) => !route.startsWith('HEAD ') && !route.startsWith('OPTIONS '))
        .filter((route) => !/ \/docs(\/|-json|$)/.test(route))
        .map((route) => route.replace(/:(\w+)/g, '{$1}'));
      expect(routes.length).toBeGreaterThan(5);
      expect(routes.filter((route) => !documented.has(route))).toEqual([]);
    });

    it('documents a 401 on every admin operation', () => {
      const admin = operations(document).filter(({ operation }) => isAdmin(document, operation));
      expect(admin.map(({ name }) => name)).toEqual(
        expect.arrayContaining([`GET ${types}`, `POST ${types}`, `DELETE ${types}/{id}`]),
      );
      const without401 = admin.filter(({ operation }) => operation.responses['401'] === undefined);
      expect(without401.map(({ name }) => name)).toEqual([]);
    });

    it('answers 401 unauthorized on every admin route without a key or with a wrong one', async () => {
      const failures: string[] = [];
      const admin = operations(document).filter(({ operation }) => isAdmin(document, operation));
      for (const { method, url, name } of admin) {
        for (const [label, header] of [
          ['no key', undefined],
          ['wrong key', `Bearer ${ADMIN_KEY}x`],
          ['not bearer', `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`],
        ] as const) {
          const call = send(method, url);
          if (header !== undefined) void call.set('Authorization', header);
          const response = await call;
          if (response.status !== 401 || response.body.code !== 'unauthorized') {
            failures.push(`${name} (${label}): ${response.status} ${response.body?.code}`);
          }
        }
        if (method === 'get') {
          const head = await t.http().head(url);
          if (head.status !== 401) failures.push(`HEAD ${url} (no key): ${head.status}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('shapes the 401 like every other error', async () => {
      const response = await t.http().get(types).set('Authorization', 'Bearer nope').expect(401);
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'unauthorized',
        message: expect.stringContaining('Authorization: Bearer'),
        request_id: response.headers['x-request-id'],
      });
      expect(response.headers['content-type']).toMatch(/^application\/json/);
    });

    it('lets public routes through without a key', async () => {
      const open = operations(document).filter(({ operation }) => !isAdmin(document, operation));
      expect(open.map(({ name }) => name)).toContain('GET /health');
      for (const { method, url, name } of open) {
        const response = await send(method, url);
        expect({ name, status: response.status }).not.toEqual({ name, status: 401 });
      }
    });

    it('accepts the key, with any case of "Bearer"', async () => {
      await t.http().get(types).set(AUTH).expect(200);
      await t.http().get(types).set('Authorization', `bearer ${ADMIN_KEY}`).expect(200);
    });
  });

  describe('request bodies', () => {
    const post = () => t.http().post(types).set(AUTH);

    it('answers malformed JSON with 400 invalid_json', async () => {
      const response = await post().set('Content-Type', 'application/json').send('{"title": "x",');
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'invalid_json' });
      expect(response.body.request_id).toBe(response.headers['x-request-id']);
    });

    it('takes an empty JSON body as no body: named missing fields where one is needed, none where not', async () => {
      const response = await post().set('Content-Type', 'application/json').send('');
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
      expect(response.body.details.map((detail: { field: string }) => detail.field)).toContain('title');
      const created = await post().send({ title: 'Empty body', duration: 30 }).expect(201);
      // A DELETE sent with the JSON content type and nothing else, as many clients send one.
      await t
        .http()
        .delete(`${types}/${created.body.id}`)
        .set(AUTH)
        .set('Content-Type', 'application/json')
        .send(' \r\n')
        .expect(204);
    });

    it('refuses a JSON body that is not UTF-8, whatever charset it names', async () => {
      const latin1 = Buffer.concat([
        Buffer.from('{"title":"Jos'),
        Buffer.from([0xe9]),
        Buffer.from('","duration":30}'),
      ]);
      // Sent as the bytes they are (supertest would serialize a Buffer as JSON).
      const raw = (contentType: string, bytes: Buffer) =>
        post()
          .set('Content-Type', contentType)
          .serialize((body: Buffer) => body as unknown as string)
          .send(bytes);
      const notUtf8 = {
        code: 'invalid_json',
        message: 'The body is not valid UTF-8 (JSON is UTF-8, whatever charset is named)',
      };
      for (const contentType of ['application/json', 'application/json; charset=ISO-8859-1']) {
        const garbled = await raw(contentType, latin1);
        expect([contentType, garbled.status]).toEqual([contentType, 400]);
        expect(garbled.body).toMatchObject(notUtf8);
      }
      // UTF-8 by any spelling, with a byte-order mark, and ASCII under any charset named, are fine.
      const utf8 = Buffer.from('\uFEFF{"title":"José","duration":30}');
      const ok = await raw('application/json; charset="UTF-8"', utf8).expect(201);
      expect(ok.body.title).toBe('José');
      await raw('application/json; charset=iso-8859-1', Buffer.from('{"title":"Jose","duration":30}')).expect(
        201,
      );
      const list = await t.http().get(types).set(AUTH).query({ limit: 200 }).expect(200);
      expect(list.body.data.filter((type: { title: string }) => type.title.startsWith('Jos'))).toHaveLength(
        2,
      );
      // A byte-order mark and nothing else is an empty body: no body.
      const bomOnly = await raw('application/json', Buffer.from('\uFEFF \n'));
      expect([bomOnly.status, bomOnly.body.code]).toEqual([400, 'validation_failed']);
    });

    it('refuses a prototype-poisoning body with 400', async () => {
      const response = await post()
        .set('Content-Type', 'application/json')
        .send('{"title":"x","duration":30,"__proto__":{"admin":true}}');
      expect(response.status).toBe(400);
      // Valid JSON: the answer names what is refused in it rather than calling it invalid.
      expect(response.body).toMatchObject({
        code: 'invalid_json',
        message: 'The JSON body has a key that is refused: __proto__, or constructor.prototype',
      });
      const constructor = await post()
        .set('Content-Type', 'application/json')
        .send('{"title":"x","duration":30,"constructor":{"prototype":{"admin":true}}}');
      expect([constructor.status, constructor.body.message]).toEqual([400, response.body.message]);
    });

    it('answers a body over 1 MB with 413 payload_too_large, and accepts one at the limit', async () => {
      const padding = (bytes: number) => JSON.stringify({ title: 'x'.repeat(bytes - 12) });
      expect(Buffer.byteLength(padding(BODY_LIMIT_BYTES))).toBe(BODY_LIMIT_BYTES);
      const over = await post()
        .set('Content-Type', 'application/json')
        .send(padding(BODY_LIMIT_BYTES + 1));
      expect(over.status).toBe(413);
      expect(over.body).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
      expect(over.body.request_id).toBe(over.headers['x-request-id']);
      const atLimit = await post().set('Content-Type', 'application/json').send(padding(BODY_LIMIT_BYTES));
      expect(atLimit.status).toBe(400);
      expect(atLimit.body.code).toBe('validation_failed');
    });

    it('answers an oversized chunked body (no Content-Length) with 413', async () => {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${t.url}${types}`, {
          method: 'POST',
          headers: { ...AUTH, 'Content-Type': 'application/json' },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        const chunk = 'x'.repeat(64 * 1024);
        req.write('{"title":"');
        const write = (left: number): void => {
          if (left <= 0 || req.destroyed) {
            req.end('"}');
            return;
          }
          req.write(chunk, () => write(left - chunk.length));
        };
        write(BODY_LIMIT_BYTES + chunk.length);
      });
      expect(status).toBe(413);
      expect(JSON.parse(body).code).toBe('payload_too_large');
    });

    it('answers a content type that is not JSON with 415 unsupported_media_type', async () => {
      for (const type of [
        'application/xml',
        'application/merge-patch+json',
        'multipart/form-data',
        'text/plain',
      ]) {
        const response = await post().set('Content-Type', type).send('<appointment-type/>');
        expect({ type, status: response.status }).toEqual({ type, status: 415 });
        // One message whichever layer refused it (Fastify for most types, the service's own for text).
        expect(response.body).toMatchObject({
          code: 'unsupported_media_type',
          message: 'The API takes JSON bodies (application/json)',
        });
      }
    });

    it('takes an empty text body as no body, as an empty JSON one (clients send text/plain on a cancel)', async () => {
      const created = await post().send({ title: 'Text cancel', duration: 30 }).expect(201);
      const appointment = await t
        .http()
        .post('/api/v1/appointments')
        .set(AUTH)
        .send({
          appointment_type_id: created.body.id,
          start_date: '2031-03-03T10:00:00.000Z',
          customer_information: { Name: 'Text Plain', Email: 'text@example.com' },
          ignore_availability: true,
        })
        .expect(201);
      for (const body of ['', ' \r\n']) {
        const canceled = await t
          .http()
          .post(`/api/v1/appointments/${appointment.body.id}/cancel`)
          .set(AUTH)
          .set('Content-Type', 'text/plain; charset=utf-8')
          .send(body);
        expect([canceled.status, canceled.body.status]).toEqual([200, 'canceled']);
      }
      // With text in it, 415 as any body that is not JSON.
      const text = await post().set('Content-Type', 'text/plain').send('{"title":"x","duration":30}');
      expect([text.status, text.body.code]).toEqual([415, 'unsupported_media_type']);
    });

    it('accepts JSON with a charset', async () => {
      await post()
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ title: 'Charset', duration: 30 }))
        .expect(201);
    });

    it('refuses unknown fields with 400 validation_failed naming each one in details', async () => {
      const response = await post()
        .send({ title: 'Unknown', duration: 30, colour: 'red', nested: { a: 1 } })
        .expect(400);
      expect(response.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        code: 'validation_failed',
      });
      expect(response.body.details).toEqual(
        expect.arrayContaining([
          { field: 'colour', message: 'is not a known field' },
          { field: 'nested', message: 'is not a known field' },
        ]),
      );
      expect(response.body.message).toContain('colour');
    });

    it('refuses unknown fields named after what every object has, in a body and a query', async () => {
      const body = await post()
        .send({ title: 'Built-in', duration: 30, constructor: 1, toString: 'x' })
        .expect(400);
      expect(body.body.details).toEqual([
        { field: 'constructor', message: 'is not a known field' },
        { field: 'toString', message: 'is not a known field' },
      ]);
      // At any depth, as any other unknown key is.
      const nested = await post()
        .send({
          title: 'Built-in inside',
          duration: 30,
          customer_fields: [{ label: 'Phone', type: 'phone', hasOwnProperty: 1 }],
          availability: { monday: [{ start: '09:00', end: '10:00', constructor: 'x' }] },
        })
        .expect(400);
      expect(nested.body.details).toEqual([
        { field: 'customer_fields[0].hasOwnProperty', message: 'is not a known field' },
        { field: 'availability.monday[0].constructor', message: 'is not a known field' },
      ]);
      for (const key of ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty']) {
        const query = await t.http().get(`/api/v1/appointments?${key}=1`).set(AUTH).expect(400);
        expect(query.body.details).toEqual([{ field: key, message: 'is not a known field' }]);
      }
    });

    it('refuses unknown fields inside nested objects', async () => {
      const response = await post()
        .send({
          title: 'Nested',
          duration: 30,
          customer_fields: [{ label: 'Phone', type: 'phone', colour: 'red' }],
        })
        .expect(400);
      expect(response.body.details).toContainEqual({
        field: 'customer_fields[0].colour',
        message: 'is not a known field',
      });
    });
  });

  describe('routing and request ids', () => {
    it('answers an unknown route with 404 route_not_found, with or without a key', async () => {
      for (const call of [t.http().get('/nope'), t.http().get('/api/v1/nope').set(AUTH)]) {
        const response = await call;
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found', code: 'route_not_found' });
        expect(response.body.request_id).toBe(response.headers['x-request-id']);
      }
    });

    it('answers a method its path does not take with 405 and Allow, OPTIONS with 204 and Allow', async () => {
      const put = await t.http().put(types).set(AUTH).send({});
      expect(put.status).toBe(405);
      expect(put.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
      expect(put.body).toMatchObject({
        statusCode: 405,
        code: 'method_not_allowed',
        message: 'PUT is not allowed on /api/v1/appointment-types; it takes GET, HEAD, POST',
      });
      // A path with a parameter, without the key: the methods are no secret (they are in the OpenAPI document).
      const one = await t.http().put(`${types}/1`).send({});
      expect(one.status).toBe(405);
      expect(one.headers.allow).toBe('GET, HEAD, PATCH, DELETE, OPTIONS');
      const options = await t.http().options('/api/v1/webhooks/7/deliveries');
      expect(options.status).toBe(204);
      expect(options.headers.allow).toBe('GET, HEAD, OPTIONS');
      expect((await t.http().options('/api/v1/nope')).status).toBe(404);
      // An empty parameter is no route's, whatever the method; a read of it is one of the list with a slash
      // added at its end, led to the list (as any route's path with a slash added), its query kept.
      for (const call of [t.http().put('/api/v1/webhooks/'), t.http().options('/api/v1/webhooks/')])
        expect((await call.set(AUTH)).status).toBe(404);
      for (const [call, location] of [
        [t.http().get('/api/v1/webhooks/?limit=5').set(AUTH), '/api/v1/webhooks?limit=5'],
        [t.http().head('/api/v1/appointments/'), '/api/v1/appointments'],
      ] as const) {
        const led = await call;
        expect([led.status, led.headers.location]).toEqual([308, location]);
      }
      expect((await t.http().delete('/health')).headers.allow).toBe('GET, HEAD, OPTIONS');
    });

    it('puts a fresh request id on every response', async () => {
      const responses = [
        await t.http().get('/health'),
        await t.http().get(types).set(AUTH),
        await t.http().get(types),
        await t.http().get('/nope'),
        await t.http().post(types).set(AUTH).set('Content-Type', 'application/json').send('{'),
      ];
      const ids = responses.map((response) => response.headers['x-request-id']);
      for (const id of ids) expect(id).toMatch(UUID);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('echoes an incoming x-request-id in the header and the error body', async () => {
      const ok = await t.http().get('/health').set('X-Request-Id', 'trace-abc-123').expect(200);
      expect(ok.headers['x-request-id']).toBe('trace-abc-123');
      const error = await t.http().get(types).set('X-Request-Id', 'trace-def-456').expect(401);
      expect(error.headers['x-request-id']).toBe('trace-def-456');
      expect(error.body.request_id).toBe('trace-def-456');
      const invalid = await t
        .http()
        .post(types)
        .set(AUTH)
        .set('X-Request-Id', 'trace-ghi-789')
        .set('Content-Type', 'application/json')
        .send('{');
      expect(invalid.headers['x-request-id']).toBe('trace-ghi-789');
      expect(invalid.body.request_id).toBe('trace-ghi-789');
    });
  });

  describe('health', () => {
    it('answers 200 when the database answers', async () => {
      const response = await t.http().get('/health').expect(200);
      expect(response.body).toEqual({
        status: 'ok',
        database: 'up',
        events: { unhandled: expect.any(Number), failing: 0, oldest_failing_id: null },
      });
    });

    it('answers 503 when the database does not', async () => {
      const other = await startTestApp({ databaseUrl });
      try {
        await other.app.get(DataSource).destroy();
        const response = await other.http().get('/health').expect(503);
        expect(response.body).toEqual({ status: 'unavailable', database: 'down' });
      } finally {
        await other.close();
      }
    });
  });

  describe('API documentation', () => {
    it('serves Swagger UI at /docs', async () => {
      const response = await t.http().get('/docs').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toContain('swagger-ui');
    });

    it('lists the appointment-types routes with request and response schemas', () => {
      const list = document.paths[types];
      const item = document.paths[`${types}/{id}`];
      expect(Object.keys(list).sort()).toEqual(['get', 'post']);
      expect(Object.keys(item).sort()).toEqual(['delete', 'get', 'patch']);

      const schemaRef = (operation: Operation) =>
        operation.requestBody?.content['application/json'].schema.$ref;
      expect(schemaRef(list.post)).toBe('#/components/schemas/CreateAppointmentTypeDto');
      expect(schemaRef(item.patch)).toBe('#/components/schemas/UpdateAppointmentTypeDto');
      expect(list.post.responses['201']).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/AppointmentTypeDto' } } },
      });
      expect(item.get.responses['200']).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/AppointmentTypeDto' } } },
      });
      expect(list.get.responses['200']).toMatchObject({
        content: {
          'application/json': {
            schema: {
              properties: {
                data: { type: 'array', items: { $ref: '#/components/schemas/AppointmentTypeDto' } },
              },
            },
          },
        },
      });
      expect(item.delete.responses['204']).toBeDefined();
      expect(list.post.responses['400']).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } },
      });

      const schemas = document.components.schemas;
      expect(schemas.CreateAppointmentTypeDto.required).toEqual(
        expect.arrayContaining(['title', 'duration']),
      );
      expect(Object.keys(schemas.AppointmentTypeDto.properties)).toEqual(
        expect.arrayContaining(['id', 'title', 'slug', 'timezone', 'availability', 'date_created']),
      );
      expect(Object.keys(schemas.ErrorResponseDto.properties)).toEqual(
        expect.arrayContaining(['statusCode', 'error', 'code', 'message', 'request_id', 'details']),
      );
    });

    it('documents /health with its 200 and 503', () => {
      expect(Object.keys(document.paths['/health'].get.responses).sort()).toEqual(['200', '503']);
    });
  });
});
