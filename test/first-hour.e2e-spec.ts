import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import { OPENAPI_FILE } from '../src/cli/openapi';
import {
  bookAppointment,
  createMember,
  createType,
  createWebhook,
  EVERY_DAY_NINE_TO_FIVE,
} from './support/fixtures';
import { Receiver } from './support/receiver';
import { ROOT } from './support/service-process';
import { ADMIN_KEY, AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

const LISTENER_START_MS = 60_000;

interface PathParameter {
  name: string;
  in: string;
  schema?: { example?: unknown };
}

interface Listener {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm run webhook:listen` the way a user does, as its own process (with `env` besides PATH). */
function webhookListen(args: string[], env: Record<string, string> = {}): Listener {
  const child = spawn(
    process.execPath,
    ['--require', 'ts-node/register/transpile-only', 'src/cli/webhook-listen.ts', ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * Waits for `check` on the listener's output, failing at once (with its output) if the listener exits first:
 * `eventually` would wait out the whole bound for a process that is already gone.
 */
async function until(what: string, listener: Listener, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  void listener.exited.then(() => (exited = true));
  while (!check()) {
    if (exited && !check()) {
      throw new Error(`webhook:listen exited before ${what}:\n${listener.stdout()}\n${listener.stderr()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`no ${what} within ${ms} ms:\n${listener.stdout()}\n${listener.stderr()}`);
    }
    await sleep(50);
  }
}

describe('the first hour (e2e)', () => {
  let t: TestApp;
  const listeners: Listener[] = [];

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
  });

  afterAll(async () => {
    for (const listener of listeners) listener.child.kill('SIGKILL');
    await t.close();
  });

  it('webhook:listen registers its own URL, verifies the delivery of a booking and deletes its webhook on exit', async () => {
    const listener = webhookListen(['--service', t.url, '--key', ADMIN_KEY, '--port', '0', '--no-body']);
    listeners.push(listener);
    await until(
      'registration',
      listener,
      () => listener.stdout().includes('Listening for'),
      LISTENER_START_MS,
    );

    const [, webhookId, ownUrl] = /Registered webhook (\d+) on \S+ -> (\S+)/.exec(listener.stdout()) ?? [];
    expect(listener.stdout()).toMatch(/Verifying with secret whsec_[A-Za-z0-9+/=]+/);
    const registered = await t.http().get(`/api/v1/webhooks/${webhookId}`).set(AUTH).expect(200);
    expect(registered.body).toMatchObject({ url: ownUrl, enabled: true });

    const member = await createMember(t, { name: 'Ada Lovelace', email: 'ada@example.com' });
    const type = await createType(t, {
      title: 'Intro call',
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY_NINE_TO_FIVE,
      team_member_ids: [member.id],
    });
    const slots = await t
      .http()
      .get(`/api/v1/appointment-types/${type.id}/availability`)
      .query({ start_date: '2030-01-07', end_date: '2030-01-07' })
      .set(AUTH)
      .expect(200);
    const booked = await bookAppointment(t, type.id, slots.body.slots[0].start_date, {
      customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com' },
    });

    await until('delivery', listener, () => listener.stdout().includes(`appointment: ${booked.id}`), 30_000);
    const block = listener.stdout().slice(listener.stdout().indexOf('webhook-id:'));
    expect(block).toContain('action:      appointment_booked');
    expect(block).toContain('✓ verified signature + token (204)');

    listener.child.kill('SIGTERM');
    expect(await listener.exited).toBe(0);
    expect(listener.stdout()).toContain(`Deleted webhook ${webhookId}`);
    const left = await t.http().get('/api/v1/webhooks').set(AUTH).expect(200);
    expect(left.body.data).toEqual([]);
  }, 120_000);

  it('refuses to register a local URL on a service without WEBHOOK_ALLOW_PRIVATE_URLS, naming the variable', async () => {
    const strictDir = mkdtempSync(join(tmpdir(), 'booking-strict-'));
    const strict = await startTestApp({
      databaseUrl: `sqlite:${join(strictDir, 'strict.sqlite')}`,
      env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false' },
    });
    try {
      const refused = await strict
        .http()
        .post('/api/v1/webhooks')
        .set(AUTH)
        .send({ url: 'http://127.0.0.1:4000/' })
        .expect(400);
      expect(refused.body.code).toBe('webhook_url_not_allowed');
      expect(refused.body.message).toContain('WEBHOOK_ALLOW_PRIVATE_URLS=true');

      const listener = webhookListen(['--service', strict.url, '--key', ADMIN_KEY, '--port', '0']);
      listeners.push(listener);
      expect(await listener.exited).toBe(1);
      expect(listener.stderr()).toContain('WEBHOOK_ALLOW_PRIVATE_URLS=true');
      expect(listener.stdout()).not.toContain('Listening for');
    } finally {
      await strict.close();
    }
  }, 120_000);

  it('says where the admin key webhook:listen used came from when the service refuses it', async () => {
    // The key file of another service (another DATA_DIR), read without being named.
    const dataDir = mkdtempSync(join(tmpdir(), 'booking-other-key-'));
    writeFileSync(join(dataDir, 'admin-api-key'), 'admin_not-this-services-key\n');
    const fromFile = webhookListen(['--service', t.url, '--port', '0'], { DATA_DIR: dataDir });
    listeners.push(fromFile);
    expect(await fromFile.exited).toBe(1);
    expect(fromFile.stderr()).toContain('POST /api/v1/webhooks answered 401');
    expect(fromFile.stderr()).toContain(
      `The service refused the admin key read from ${join(dataDir, 'admin-api-key')}`,
    );
    expect(fromFile.stderr()).toContain("Pass the service's admin key with --key or ADMIN_API_KEY.");
    const given = webhookListen(['--service', t.url, '--port', '0', '--key', 'admin_wrong']);
    listeners.push(given);
    expect(await given.exited).toBe(1);
    expect(given.stderr()).toContain('The service refused the admin key given with --key.');
  }, 120_000);

  it('says how to point webhook:listen at a service it cannot reach', async () => {
    // Port 9 (discard) on 127.0.0.1: nothing listens there.
    const listener = webhookListen(['--service', 'http://127.0.0.1:9', '--key', ADMIN_KEY, '--port', '0']);
    listeners.push(listener);
    expect(await listener.exited).toBe(1);
    expect(listener.stderr()).toContain('cannot reach the service at http://127.0.0.1:9');
    expect(listener.stderr()).toContain('--service <url> or BOOKING_URL');
  }, 60_000);

  it('says to pick another --port when its port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const port = (holder.address() as AddressInfo).port;
      const listener = webhookListen([
        '--port',
        String(port),
        '--secret',
        `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
        '--token',
        'bb8e24a02c38b32b1da4a752',
      ]);
      listeners.push(listener);
      expect(await listener.exited).toBe(1);
      expect(listener.stderr()).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(listener.stderr()).toContain('pick another with --port <port>');
    } finally {
      holder.close();
    }
  }, 60_000);

  it("sends a test body built from this site's name and URL and an appointment of now", async () => {
    const receiver = await Receiver.start();
    try {
      const webhook = await createWebhook(t, { url: receiver.url('/test') });
      const before = Date.now();
      await t.http().post(`/api/v1/webhooks/${webhook.id}/test`).set(AUTH).send({}).expect(200);
      const [request] = await receiver.waitFor('/test', 1);

      expect(request.json.signature).toEqual({
        token: webhook.token,
        site_name: 'Test Site',
        site_url: 'https://booking.example.com',
        home_url: 'https://booking.example.com',
        network_site_url: 'https://booking.example.com',
      });
      expect(request.json.appointment.public_edit_url).toMatch(
        /^https:\/\/booking\.example\.com\/appointments\/change\//,
      );
      const created = Date.parse(`${request.json.appointment.date_created.replace(' ', 'T')}Z`);
      expect(Math.abs(created - before)).toBeLessThan(60_000);
      expect(request.body).not.toMatch(/yoursite|2018-/);
    } finally {
      await receiver.close();
    }
  });

  it("lets Swagger's example of POST /team-members run as it stands after the walkthrough's Ada", async () => {
    // The walkthrough adds Ada Lovelace (ada@example.com); an example naming her answered 409 email_taken.
    await t
      .http()
      .post('/api/v1/team-members')
      .set(AUTH)
      .send({ name: 'Ada Lovelace', email: 'ada@example.com' });
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
      components: { schemas: Record<string, { properties: Record<string, { example?: unknown }> }> };
    };
    const { properties } = document.components.schemas.CreateTeamMemberDto;
    const example = Object.fromEntries(
      Object.entries(properties)
        .filter(([, property]) => property.example !== undefined)
        .map(([name, property]) => [name, property.example]),
    );
    await t.http().post('/api/v1/team-members').set(AUTH).send(example).expect(201);
  });

  it('has the committed openapi.json equal to the one the code generates (npm run openapi -- --check)', () => {
    // Its own process, as a developer or CI runs it: one more app in this process would share its SQLite driver.
    const check = spawnSync(
      process.execPath,
      ['--require', 'ts-node/register/transpile-only', 'src/cli/openapi.ts', '--check'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  }, 180_000);

  it('gives every path parameter but a customer token an example, so "Try it out" runs as it stands', () => {
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
      paths: Record<string, Record<string, { parameters?: PathParameter[] }>>;
    };
    const missing = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'path' && parameter.schema?.example === undefined)
          .map((parameter) => `${method} ${path} ${parameter.name}`),
      ),
    );
    // A token exists only once an appointment does: the user pastes it from public_edit_url.
    expect(missing.filter((operation) => !operation.endsWith(' token'))).toEqual([]);
  });

  it('has an openapi.json that a standard OpenAPI 3.1 validator accepts', async () => {
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as Record<string, unknown>;
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.webhooks as object)).toEqual([
      'appointment_booked',
      'appointment_edited',
      'appointment_rescheduled',
      'appointment_canceled',
    ]);
  });
});
