import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs, styleText } from 'node:util';
import { Webhook } from 'standardwebhooks';

/**
 * A local receiver for trying out webhooks: point a subscription at it and watch what arrives, with the same
 * checks a real receiver should make (Standard Webhooks signature, SSA `signature.token`).
 *
 *   npm run webhook:listen -- --port 4000 --secret whsec_... [--token <24 hex>] [--host 127.0.0.1]
 */

export type Verification =
  { ok: true; checked: Array<'signature' | 'token'> } | { ok: false; reason: string };

export interface ReceivedWebhook {
  receivedAt: Date;
  webhookId: string | undefined;
  action: string | undefined;
  verification: Verification;
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  payload: unknown;
}

export interface WebhookListenerOptions {
  /** Standard Webhooks secret (`whsec_…`); without it signatures are not checked. */
  secret?: string;
  /** Expected `signature.token` of the SSA-compatible payload; without it the token is not checked. */
  token?: string;
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

export function createWebhookListener(opts: WebhookListenerOptions = {}): http.Server {
  // Constructed up front so a malformed secret fails at startup rather than on the first delivery.
  const webhook = opts.secret ? new Webhook(opts.secret) : undefined;
  const log = opts.log ?? ((received) => printWebhook(received));
  const maxBodyBytes = opts.maxBodyBytes ?? 5 * 1024 * 1024;

  const verify = (
    text: string,
    req: http.IncomingMessage,
    json: ReturnType<typeof parseJson>,
  ): Verification => {
    const checked: Array<'signature' | 'token'> = [];
    if (webhook) {
      const headers: Record<string, string> = {};
      for (const name of SIGNATURE_HEADERS) {
        const value = header(req, name);
        if (value !== undefined) headers[name] = value;
      }
      try {
        // jsonParse off: a JSON error must not be reported as a signature failure.
        webhook.verify(text, headers, { jsonParse: false });
      } catch (err) {
        return { ok: false, reason: `signature: ${(err as Error).message}` };
      }
      checked.push('signature');
    }
    if (!json.ok) return { ok: false, reason: 'body is not valid JSON' };
    if (opts.token !== undefined) {
      const token = field(json.value, 'signature', 'token');
      if (token === undefined) return { ok: false, reason: 'signature.token is missing' };
      if (token !== opts.token) return { ok: false, reason: 'signature.token does not match --token' };
      checked.push('token');
    }
    return { ok: true, checked };
  };

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
    const verification = verify(text, req, json);
    const status = verification.ok ? 204 : 400;
    if (verification.ok) res.writeHead(204).end();
    else res.writeHead(400, { 'content-type': 'text/plain' }).end(`${verification.reason}\n`);

    const payload = json.ok ? json.value : text;
    const action = field(payload, 'action');
    log({
      receivedAt,
      webhookId: header(req, 'webhook-id'),
      action: typeof action === 'string' ? action : undefined,
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

export function printWebhook(
  received: ReceivedWebhook,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): void {
  const color = out.isTTY === true && !process.env.NO_COLOR;
  const paint = (style: Style, text: string) => (color ? styleText(style, text) : text);
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
      `webhook-id: ${received.webhookId ?? paint('dim', '(none)')}`,
      `action:     ${paint('bold', received.action ?? '(none)')}`,
      result,
      body,
      '',
    ].join('\n') + '\n',
  );
}

const USAGE = `Usage: npm run webhook:listen -- [--port 4000] [--host 127.0.0.1] [--secret whsec_...] [--token <24 hex>]

  --port    port to listen on (default 4000, 0 picks a free one)
  --host    interface to bind (default 127.0.0.1)
  --secret  subscription secret; verifies the webhook-signature header
  --token   expected signature.token in the payload
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', short: 'p', default: '4000' },
        host: { type: 'string', default: '127.0.0.1' },
        secret: { type: 'string', short: 's' },
        token: { type: 'string', short: 't' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port ${values.port}`);
  if (values.token !== undefined && !/^[0-9a-f]{24}$/i.test(values.token)) {
    process.stderr.write('warning: --token is usually 24 hex characters\n');
  }

  let server: http.Server;
  try {
    server = createWebhookListener({ secret: values.secret, token: values.token });
  } catch (err) {
    fail(`invalid --secret: ${(err as Error).message}`);
  }

  server.on('error', (err) => {
    process.stderr.write(`cannot listen on ${values.host}:${port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(port, values.host, () => {
    const { address, port: actual } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    const checks = [values.secret && 'signature', values.token && 'token'].filter(Boolean).join(' + ');
    process.stdout.write(
      `Listening for webhooks on http://${host}:${actual}/ (${checks ? `checking ${checks}` : 'not verifying, pass --secret'})\n\n`,
    );
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`\n${signal} received, shutting down\n`);
    server.close(() => process.exit(0));
    // close() waits for in-flight requests; a stuck sender must not keep the process alive.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) main();
