import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import {
  createWebhookListener,
  explainRegistrationError,
  printWebhook,
  ReceivedWebhook,
  ServiceError,
  WebhookListenerOptions,
  WebhookVerifier,
} from './webhook-listen';

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const token = 'a1b2c3d4e5f6a7b8c9d0e1f2';

const payload = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    action: 'appointment_booked',
    signature: { token, site_name: 'Test', site_url: 'https://example.com' },
    appointment: { id: '123', status: 'booked' },
    ...overrides,
  });

function signedHeaders(
  body: string,
  msgId = `msg_${randomBytes(8).toString('hex')}`,
): Record<string, string> {
  const now = new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, now, body),
  };
}

describe('webhook listener', () => {
  let server: http.Server;
  let url: string;
  let received: ReceivedWebhook[];

  const start = async (opts: Omit<WebhookListenerOptions, 'log'>) => {
    received = [];
    server = createWebhookListener({ ...opts, log: (r) => received.push(r) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  };

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', body, headers });

  describe('with --secret and --token', () => {
    beforeEach(() => start({ secret, token }));

    it('accepts a correctly signed delivery with the right token', async () => {
      const body = payload();
      const res = await post(body, signedHeaders(body, 'msg_abc'));

      expect(res.status).toBe(204);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        webhookId: 'msg_abc',
        action: 'appointment_booked',
        appointmentId: '123',
        status: 204,
        verification: { ok: true, checked: ['signature', 'token'] },
        payload: JSON.parse(body),
      });
    });

    it('rejects a body that was changed after signing', async () => {
      const body = payload();
      const res = await post(body.replace('"123"', '"124"'), signedHeaders(body));

      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/signature: No matching signature found/);
      expect(received[0].verification).toEqual({ ok: false, reason: expect.stringMatching(/^signature/) });
      expect(received[0].action).toBe('appointment_booked');
    });

    it('rejects a validly signed body carrying the wrong token', async () => {
      const body = payload({ signature: { token: 'ffffffffffffffffffffffff' } });
      const res = await post(body, signedHeaders(body));

      expect(res.status).toBe(400);
      expect(await res.text()).toBe('signature.token does not match --token\n');
    });

    it('rejects a body without a token', async () => {
      const body = payload({ signature: undefined });
      const res = await post(body, signedHeaders(body));

      expect(res.status).toBe(400);
      expect(await res.text()).toBe('signature.token is missing\n');
    });

    it('rejects a delivery without signature headers', async () => {
      const res = await post(payload(), { 'content-type': 'application/json' });

      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/Missing required headers/);
    });

    it('rejects a stale timestamp', async () => {
      const body = payload();
      const then = new Date(Date.now() - 10 * 60 * 1000);
      const res = await post(body, {
        'webhook-id': 'msg_old',
        'webhook-timestamp': String(Math.floor(then.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_old', then, body),
      });

      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/too old/);
    });

    it('only accepts POST', async () => {
      const res = await fetch(url);

      expect(res.status).toBe(405);
      expect(received).toHaveLength(0);
    });
  });

  describe('without --secret or --token', () => {
    beforeEach(() => start({}));

    it('accepts unsigned JSON and reports it as unverified', async () => {
      const res = await post(payload(), { 'content-type': 'application/json', 'webhook-id': 'msg_plain' });

      expect(res.status).toBe(204);
      expect(received[0]).toMatchObject({ webhookId: 'msg_plain', verification: { ok: true, checked: [] } });
    });

    it('rejects a body that is not JSON', async () => {
      const res = await post('action=appointment_booked', {});

      expect(res.status).toBe(400);
      expect(received[0]).toMatchObject({ payload: 'action=appointment_booked', action: undefined });
    });
  });
});

it('refuses to start with a malformed secret', () => {
  expect(() => createWebhookListener({ secret: 'whsec_!!!' })).toThrow();
});

describe('printWebhook', () => {
  it('prints time, id, action, result and the indented payload', () => {
    const out = new PassThrough();
    printWebhook(
      {
        receivedAt: new Date('2024-05-01T12:00:00.000Z'),
        webhookId: 'msg_1',
        action: 'appointment_booked',
        appointmentId: '1',
        verification: { ok: true, checked: ['signature'] },
        status: 204,
        payload: { action: 'appointment_booked', appointment: { id: '1' } },
      },
      out,
    );
    const text = String(out.read());

    expect(text).toContain('2024-05-01T12:00:00.000Z');
    expect(text).toContain('webhook-id:  msg_1');
    expect(text).toContain('action:      appointment_booked');
    expect(text).toContain('appointment: 1');
    expect(text).toContain('verified signature (204)');
    expect(text).toContain('{\n  "action": "appointment_booked",\n  "appointment": {\n    "id": "1"\n  }\n}');
    expect(text).not.toContain('\u001b[');
  });
});

describe('WebhookVerifier', () => {
  it('takes its credentials after the server listens, as a registered listener learns them', () => {
    const verifier = new WebhookVerifier();
    const body = payload();
    const headers = signedHeaders(body);
    expect(verifier.verify(body, headers, { ok: true, value: JSON.parse(body) })).toEqual({
      ok: true,
      checked: [],
    });

    verifier.use({ secret, token });
    expect(verifier.verify(body, headers, { ok: true, value: JSON.parse(body) })).toEqual({
      ok: true,
      checked: ['signature', 'token'],
    });
  });
});

describe('explainRegistrationError', () => {
  it('names WEBHOOK_ALLOW_PRIVATE_URLS when the service refuses a local URL', () => {
    const error = new ServiceError(
      'POST /api/v1/webhooks answered 400: url: …',
      400,
      'webhook_url_not_allowed',
    );
    expect(explainRegistrationError(error, 'http://127.0.0.1:4000/')).toContain(
      'Restart the service with WEBHOOK_ALLOW_PRIVATE_URLS=true',
    );
  });

  it('points at --key when the admin key is wrong', () => {
    const error = new ServiceError('POST /api/v1/webhooks answered 401: …', 401, 'unauthorized');
    expect(explainRegistrationError(error, 'http://127.0.0.1:4000/')).toContain('--key');
    // Where the key sent came from: a key file read unasked may be another service's.
    expect(
      explainRegistrationError(error, 'http://127.0.0.1:4000/', 'read from data/admin-api-key'),
    ).toContain(
      "The service refused the admin key read from data/admin-api-key. Pass the service's admin key with --key",
    );
  });
});
