import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver saw it: headers and the raw body, byte for byte. */
export interface ReceivedRequest {
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
  /** The reply it got. */
  status: number;
}

export interface Reply {
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}

export type Responder = (request: ReceivedRequest) => Reply;

/**
 * A real HTTP endpoint on 127.0.0.1 for e2e tests and the benchmark: records every request and answers per
 * path, from a script of replies (consumed in order, then the default 200) or a function.
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly scripts = new Map<string, Reply[] | Responder>();
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: http.Server,
    readonly base: string,
  ) {}

  static async start(): Promise<Receiver> {
    // No request can arrive before `receiver` exists: nobody knows the port until start() returns.
    const server = http.createServer((req, res) => receiver.handle(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new Receiver(server, `http://127.0.0.1:${port}`);
    return receiver;
  }

  /** The URL of `path` on this receiver. */
  url(path = '/hook'): string {
    return `${this.base}${path}`;
  }

  /** How `path` answers from now on: replies in order (then 200), or a function of the request. */
  on(path: string, script: Array<Reply | number> | Responder): this {
    this.scripts.set(
      path,
      typeof script === 'function'
        ? script
        : script.map((reply) => (typeof reply === 'number' ? { status: reply } : reply)),
    );
    return this;
  }

  received(path?: string): ReceivedRequest[] {
    return path === undefined ? this.requests : this.requests.filter((r) => r.path === path);
  }

  /** Resolves with the requests to `path` once `done` holds for them; fails after `timeoutMs`. */
  async waitFor(
    path: string,
    done: number | ((requests: ReceivedRequest[]) => boolean),
    timeoutMs = 5000,
  ): Promise<ReceivedRequest[]> {
    const check = typeof done === 'number' ? (r: ReceivedRequest[]) => r.length >= done : done;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const requests = this.received(path);
      if (check(requests)) return requests;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `receiver: condition on ${path} not met within ${timeoutMs} ms (${requests.length} requests)`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const request: ReceivedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: (req.url ?? '/').split('?')[0],
        headers: req.headers,
        body,
        json,
        status: 0,
      };
      const reply = this.replyTo(request);
      request.status = reply.status ?? 200;
      this.requests.push(request);
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((wake) => wake());
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(request.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? 'ok');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  }

  private replyTo(request: ReceivedRequest): Reply {
    const script = this.scripts.get(request.path);
    if (typeof script === 'function') return script(request);
    return script?.shift() ?? { status: 200 };
  }
}

/** The body of a delivery once its Standard Webhooks signature checks out with `secret`; throws otherwise. */
export function verifyDelivery(secret: string, request: ReceivedRequest): Record<string, any> {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as Record<
    string,
    any
  >;
}
