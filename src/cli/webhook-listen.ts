import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs, styleText } from 'node:util';
import { Webhook } from 'standardwebhooks';

/**
 * A local receiver for trying out webhooks, in the manner of `stripe listen`: it registers a webhook pointing at
 * itself on a running service, verifies every delivery with that webhook's secret and SSA token (the checks a
 * real receiver should make), shows each one, and deletes the webhook again when it stops.
 *
 *   npm run webhook:listen -- [--service http://localhost:3000] [--key <admin key>] [--port 4000]
 *   npm run webhook:listen -- --secret whsec_... [--token <24 hex>]   (receive only, register nothing)
 */

export type Verification =
  { ok: true; checked: Array<'signature' | 'token'> } | { ok: false; reason: string };

export interface ReceivedWebhook {
  receivedAt: Date;
  webhookId: string | undefined;
  action: string | undefined;
  /** `appointment.id` of the payload. */
  appointmentId: string | undefined;
  verification: Verification;
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  payload: unknown;
}

export interface Credentials {
  /** Standard Webhooks secret (`whsec_…`); without it signatures are not checked. */
  secret?: string;
  /** Expected `signature.token` of the SSA-compatible payload; without it the token is not checked. */
  token?: string;
}

export interface WebhookListenerOptions extends Credentials {
  log?: (received: ReceivedWebhook) => void;
  maxBodyBytes?: number;
}

const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Resolves to null when the body exceeds `limit`; the rest is still drained so the client sees the response. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * The checks a receiver makes. Its credentials can be set after the server listens: a registered listener only
 * learns its secret once the webhook pointing at its own URL exists.
 */
export class WebhookVerifier {
  private webhook: Webhook | undefined;
  private token: string | undefined;

  constructor(credentials: Credentials = {}) {
    this.use(credentials);
  }

  /** Throws on a malformed secret, so a bad one fails at start-up rather than on the first delivery. */
  use({ secret, token }: Credentials): void {
    this.webhook = secret ? new Webhook(secret) : undefined;
    this.token = token;
  }

  verify(text: string, headers: Record<string, string>, json: ReturnType<typeof parseJson>): Verification {
    const checked: Array<'signature' | 'token'> = [];
    if (this.webhook) {
      try {
        // jsonParse off: a JSON error must not be reported as a signature failure.
        this.webhook.verify(text, headers, { jsonParse: false });
      } catch (err) {
        return { ok: false, reason: `signature: ${(err as Error).message}` };
      }
      checked.push('signature');
    }
    if (!json.ok) return { ok: false, reason: 'body is not valid JSON' };
    if (this.token !== undefined) {
      const token = field(json.value, 'signature', 'token');
      if (token === undefined) return { ok: false, reason: 'signature.token is missing' };
      if (token !== this.token) return { ok: false, reason: 'signature.token does not match --token' };
      checked.push('token');
    }
    return { ok: true, checked };
  }
}

export function createWebhookListener(
  opts: WebhookListenerOptions & { verifier?: WebhookVerifier } = {},
): http.Server {
  const verifier = opts.verifier ?? new WebhookVerifier(opts);
  const log = opts.log ?? ((received) => printWebhook(received));
  const maxBodyBytes = opts.maxBodyBytes ?? 5 * 1024 * 1024;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST webhooks to this URL\n');
      return;
    }
    const receivedAt = new Date();
    const body = await readBody(req, maxBodyBytes);
    if (body === null) {
      res.writeHead(413, { 'content-type': 'text/plain' }).end(`body larger than ${maxBodyBytes} bytes\n`);
      return;
    }
    const text = body.toString('utf8');
    const json = parseJson(text);
    const headers: Record<string, string> = {};
    for (const name of SIGNATURE_HEADERS) {
      const value = header(req, name);
      if (value !== undefined) headers[name] = value;
    }
    const verification = verifier.verify(text, headers, json);
    const status = verification.ok ? 204 : 400;
    if (verification.ok) res.writeHead(204).end();
    else res.writeHead(400, { 'content-type': 'text/plain' }).end(`${verification.reason}\n`);

    const payload = json.ok ? json.value : text;
    const action = field(payload, 'action');
    const appointmentId = field(payload, 'appointment', 'id');
    log({
      receivedAt,
      webhookId: header(req, 'webhook-id'),
      action: typeof action === 'string' ? action : undefined,
      appointmentId:
        typeof appointmentId === 'string' || typeof appointmentId === 'number'
          ? String(appointmentId)
          : undefined,
      verification,
      status,
      payload,
    });
  };

  return http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${(err as Error).message}\n`);
    });
  });
}

type Style = Parameters<typeof styleText>[0];
type Out = NodeJS.WritableStream & { isTTY?: boolean };

function painter(out: Out): (style: Style, text: string) => string {
  const color = out.isTTY === true && !process.env.NO_COLOR;
  return (style, text) => (color ? styleText(style, text) : text);
}

export function printWebhook(received: ReceivedWebhook, out: Out = process.stdout, showBody = true): void {
  const paint = painter(out);
  const { verification: v } = received;
  const result = !v.ok
    ? paint('red', `✗ rejected (${received.status}): ${v.reason}`)
    : v.checked.length > 0
      ? paint('green', `✓ verified ${v.checked.join(' + ')} (${received.status})`)
      : paint('yellow', `• accepted unverified, no --secret or --token (${received.status})`);
  const body =
    typeof received.payload === 'string' ? received.payload : JSON.stringify(received.payload, null, 2);
  out.write(
    [
      paint('dim', received.receivedAt.toISOString()),
      `webhook-id:  ${received.webhookId ?? paint('dim', '(none)')}`,
      `action:      ${paint('bold', received.action ?? '(none)')}`,
      `appointment: ${received.appointmentId ?? paint('dim', '(none)')}`,
      result,
      ...(showBody ? [body] : []),
      '',
    ].join('\n') + '\n',
  );
}

/** An admin API call failed; `code` is the service's stable error code when it sent one. */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export interface RegisteredWebhook {
  id: number;
  url: string;
  token: string;
  secret: string;
}

/** The admin API calls the listener makes: create its webhook, delete it again. */
export class ServiceClient {
  constructor(
    readonly serviceUrl: string,
    private readonly adminKey: string,
  ) {}

  async createWebhook(url: string, title: string, triggers?: string[]): Promise<RegisteredWebhook> {
    const body = await this.call('POST', '/api/v1/webhooks', { title, url, ...(triggers && { triggers }) });
    return body as RegisteredWebhook;
  }

  async deleteWebhook(id: number): Promise<void> {
    await this.call('DELETE', `/api/v1/webhooks/${id}`);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.serviceUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.adminKey}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ServiceError(
        `cannot reach the service at ${this.serviceUrl} (${cause}); is it running there? Elsewhere: --service <url> or BOOKING_URL`,
      );
    }
    const text = await res.text();
    if (res.ok) return text === '' ? undefined : JSON.parse(text);
    const error = parseJson(text);
    const code = field(error.ok ? error.value : undefined, 'code');
    const message = field(error.ok ? error.value : undefined, 'message');
    throw new ServiceError(
      `${method} ${path} answered ${res.status}: ${typeof message === 'string' ? message : text}`,
      res.status,
      typeof code === 'string' ? code : undefined,
    );
  }
}

/**
 * What to tell the user when the service refuses the listener's own URL, or its admin key: `keySource` says where
 * that key came from (read from a key file unasked, it may be another service's: the user had no way to tell).
 */
export function explainRegistrationError(error: ServiceError, url: string, keySource?: string): string {
  if (error.code === 'webhook_url_not_allowed') {
    return (
      `${error.message}\n\nThe service refused ${url} because it is a local or private address. ` +
      'Restart the service with WEBHOOK_ALLOW_PRIVATE_URLS=true (local development only), ' +
      'or pass --forward-url with an address the service accepts.'
    );
  }
  if (error.code === 'unauthorized') {
    const refused = keySource === undefined ? '' : `The service refused the admin key ${keySource}. `;
    return `${error.message}\n\n${refused}Pass the service's admin key with --key or ADMIN_API_KEY.`;
  }
  return error.message;
}

const USAGE = `Usage: npm run webhook:listen -- [options]

Registers a webhook on the service that points at this listener, verifies and shows every delivery,
and deletes the webhook on exit (Ctrl-C).

  --service      service URL (default $BOOKING_URL or http://localhost:3000)
  --key          admin API key (default $ADMIN_API_KEY, else the key file in $DATA_DIR or data/)
  --port         port to listen on (default 4000, 0 picks a free one)
  --host         interface to bind (default 127.0.0.1)
  --forward-url  URL the service should post to (default http://<host>:<port>/)
  --trigger      only this action (appointment_booked, …); repeat for several (default all)
  --no-body      print one block per delivery without the payload

Receive only, register nothing:
  --secret       subscription secret; verifies the webhook-signature header
  --token        expected signature.token in the payload
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n${code === 2 ? `\n${USAGE}` : ''}`);
  process.exit(code);
}

/** Where the service keeps the key it generated. */
function keyFile(env: NodeJS.ProcessEnv): string {
  return join(env.DATA_DIR?.trim() || 'data', 'admin-api-key');
}

/** The admin key to use, and where it came from (said when the service refuses it). */
function adminKey(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): { key: string; source: string } | undefined {
  const configured = flag ?? env.ADMIN_API_KEY?.trim();
  const named = flag === undefined ? 'in ADMIN_API_KEY' : 'given with --key';
  if (configured) return { key: configured, source: named };
  const file = keyFile(env);
  let key: string;
  try {
    key = readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  return key === ''
    ? undefined
    : {
        key,
        source: `read from ${file} (a service started elsewhere, or with another DATA_DIR, keeps its own key file)`,
      };
}

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The command line, read and checked. */
interface ListenOptions {
  port: number;
  host: string;
  forwardUrl: string | undefined;
  triggers: string[] | undefined;
  showBody: boolean;
  /** Receive only: verify with these, register nothing. */
  secret: string | undefined;
  token: string | undefined;
  serviceUrl: string;
  /** Undefined when receiving only. */
  adminKey: string | undefined;
  /** Where adminKey came from: `given with --key`, `in ADMIN_API_KEY` or `read from <key file> …`. */
  keySource: string | undefined;
}

function parseCommandLine(): ListenOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        service: { type: 'string' },
        key: { type: 'string', short: 'k' },
        port: { type: 'string', short: 'p', default: '4000' },
        host: { type: 'string', default: '127.0.0.1' },
        'forward-url': { type: 'string' },
        trigger: { type: 'string', multiple: true },
        'no-body': { type: 'boolean' },
        secret: { type: 'string', short: 's' },
        token: { type: 'string', short: 't' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) return 'help';
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port ${values.port}`);
  if (values.token !== undefined && !/^[0-9a-f]{24}$/i.test(values.token)) {
    process.stderr.write('warning: --token is usually 24 hex characters\n');
  }
  const receiveOnly = values.secret !== undefined || values.token !== undefined;
  const key = receiveOnly ? undefined : adminKey(values.key, process.env);
  if (!receiveOnly && key === undefined) {
    fail(
      'No admin key: pass --key <key> or set ADMIN_API_KEY (the service prints it on its first start); ' +
        `none could be read from ${keyFile(process.env)} (set DATA_DIR if the service runs with one).`,
    );
  }
  return {
    port,
    host: values.host,
    forwardUrl: values['forward-url'],
    triggers: values.trigger,
    showBody: !values['no-body'],
    secret: values.secret,
    token: values.token,
    serviceUrl: (values.service ?? process.env.BOOKING_URL ?? 'http://localhost:3000').replace(/\/+$/, ''),
    adminKey: key?.key,
    keySource: key?.source,
  };
}

/** Listens with the receive-only credentials (if any); answers the server and the URL it is reached at. */
async function startListener(
  options: ListenOptions,
  verifier: WebhookVerifier,
  out: Out,
): Promise<{ server: http.Server; ownUrl: string }> {
  try {
    verifier.use({ secret: options.secret, token: options.token });
  } catch (err) {
    fail(`invalid --secret: ${(err as Error).message}`);
  }
  const server = createWebhookListener({
    verifier,
    log: (received) => printWebhook(received, out, options.showBody),
  });
  let address: AddressInfo;
  try {
    address = await listen(server, options.port, options.host);
  } catch (err) {
    const inUse =
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? '; pick another with --port <port>' : '';
    fail(`cannot listen on ${options.host}:${options.port}: ${(err as Error).message}${inUse}`, 1);
  }
  const bound = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  const ownUrl =
    options.forwardUrl ?? `http://${bound.includes(':') ? `[${bound}]` : bound}:${address.port}/`;
  return { server, ownUrl };
}

/** Creates the webhook pointing at this listener and verifies with its secret and token from now on. */
async function register(
  client: ServiceClient,
  options: ListenOptions,
  listener: { server: http.Server; ownUrl: string; verifier: WebhookVerifier },
  out: Out,
): Promise<RegisteredWebhook> {
  const { server, ownUrl, verifier } = listener;
  let registered: RegisteredWebhook;
  try {
    registered = await client.createWebhook(ownUrl, `webhook:listen ${ownUrl}`, options.triggers);
  } catch (err) {
    server.close();
    fail(
      err instanceof ServiceError ? explainRegistrationError(err, ownUrl, options.keySource) : String(err),
      1,
    );
  }
  verifier.use({ secret: registered.secret, token: registered.token });
  out.write(
    `Registered webhook ${registered.id} on ${options.serviceUrl} -> ${ownUrl}\n` +
      `Verifying with secret ${painter(out)('bold', registered.secret)}\n` +
      `            and token ${registered.token}\n`,
  );
  return registered;
}

function announceListening(options: ListenOptions, ownUrl: string, registered: boolean, out: Out): void {
  const checks =
    options.adminKey === undefined
      ? [options.secret && 'signature', options.token && 'token'].filter(Boolean).join(' + ')
      : 'signature + token';
  out.write(
    `Listening for webhooks on ${ownUrl} (${checks ? `checking ${checks}` : 'not verifying, pass --secret'}); ` +
      `Ctrl-C ${registered ? 'deletes the webhook and ' : ''}stops\n\n`,
  );
}

/** On the first SIGINT or SIGTERM: stop listening, delete the registered webhook, exit; on a second, exit at once. */
function stopOnSignal(
  server: http.Server,
  cleanup: { client: ServiceClient; registered: RegisteredWebhook } | undefined,
  out: Out,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) process.exit(130);
    stopping = true;
    out.write(`\n${signal} received, shutting down\n`);
    // close() waits for in-flight requests; a stuck sender must not keep the process alive.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
    const closed = new Promise((resolve) => server.close(resolve));
    const exitCode = cleanup ? await deleteRegistered(cleanup.client, cleanup.registered, out) : 0;
    await closed;
    process.exit(exitCode);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}

/** Answers the exit code: 1 when the webhook could not be deleted. */
async function deleteRegistered(
  client: ServiceClient,
  registered: RegisteredWebhook,
  out: Out,
): Promise<number> {
  try {
    await client.deleteWebhook(registered.id);
    out.write(`Deleted webhook ${registered.id}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`could not delete webhook ${registered.id}: ${(err as Error).message}\n`);
    return 1;
  }
}

async function main(): Promise<void> {
  const options = parseCommandLine();
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const out = process.stdout;
  const verifier = new WebhookVerifier();
  const { server, ownUrl } = await startListener(options, verifier, out);
  let cleanup: { client: ServiceClient; registered: RegisteredWebhook } | undefined;
  if (options.adminKey !== undefined) {
    const client = new ServiceClient(options.serviceUrl, options.adminKey);
    const registered = await register(client, options, { server, ownUrl, verifier }, out);
    cleanup = { client, registered };
  }
  announceListening(options, ownUrl, cleanup !== undefined, out);
  stopOnSignal(server, cleanup, out);
}

if (require.main === module) void main();
