import * as dns from 'node:dns';
import { isIPv4, isIPv6, type LookupFunction } from 'node:net';
import { Agent } from 'undici';

/**
 * SSRF guard for outgoing webhooks. Subscribers choose the URL, so without this a subscriber could make the
 * server call its own admin endpoints, the cloud metadata service (169.254.169.254) or anything else on the
 * private network, and read the outcome back from the delivery log.
 *
 * Two checks are needed, and the delivery code must use both:
 * - `assertUrlAllowed` before every request. It is the only check that sees IP-literal hosts, because Node
 *   never calls `lookup` for them, and it refuses `localhost`-style names early with a clear reason.
 * - `createGuardedDispatcher` (or `guardedLookup`) for the actual connection. Checking a name once and then letting
 *   the HTTP client resolve it again is open to DNS rebinding (public answer for the check, 127.0.0.1 for the
 *   connect); checking inside the agent's lookup validates the exact address the socket connects to.
 * Requests must also not go through an HTTP proxy, since the connection would then only ever resolve the proxy's
 * name (undici's Agent reads no proxy settings, nor does the adapter).
 */

export const WEBHOOK_URL_NOT_ALLOWED = 'webhook_url_not_allowed';

/** What a refusal of a private address adds: how to allow it (the delivery log shows it too). */
export const PRIVATE_ADDRESS_HINT =
  'private and loopback addresses are refused unless the service runs with WEBHOOK_ALLOW_PRIVATE_URLS=true';

export class UrlNotAllowedError extends Error {
  readonly code = WEBHOOK_URL_NOT_ALLOWED;

  /** `privateAddress`: refused only because the address is not public, which WEBHOOK_ALLOW_PRIVATE_URLS allows. */
  constructor(
    readonly reason: string,
    readonly privateAddress = false,
  ) {
    super(`Webhook URL not allowed: ${reason}${privateAddress ? `; ${PRIVATE_ADDRESS_HINT}` : ''}`);
    this.name = 'UrlNotAllowedError';
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface AssertUrlOptions {
  /** Lets self-hosters deliver to services on their own network (e.g. a receiver on localhost). */
  allowPrivate: boolean;
  /** Injected in tests; defaults to the system resolver (`dns.lookup`, so /etc/hosts applies like it does at connect). */
  lookup?: HostResolver;
}

type Bytes = readonly number[];

interface Cidr {
  bytes: Bytes;
  bits: number;
}

function parseIPv4(text: string): Bytes | null {
  if (!isIPv4(text)) return null;
  return text.split('.').map(Number);
}

function parseIPv6(text: string): Bytes | null {
  // The zone only picks an interface; the address itself is what decides reachability.
  let s = text.replace(/%.*$/, '');
  if (!isIPv6(s)) return null;
  const lastColon = s.lastIndexOf(':');
  const v4 = parseIPv4(s.slice(lastColon + 1));
  if (v4) {
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [left, right] = s.split('::') as [string, string | undefined];
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  const groups =
    right === undefined
      ? head
      : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

function cidr(text: string): Cidr {
  const [addr, bits] = text.split('/');
  const bytes = parseIPv4(addr) ?? parseIPv6(addr);
  if (!bytes) throw new Error(`bad CIDR ${text}`);
  return { bytes, bits: Number(bits) };
}

function inCidr(bytes: Bytes, range: Cidr): boolean {
  if (bytes.length !== range.bytes.length) return false;
  for (let bit = 0; bit < range.bits; bit += 8) {
    const remaining = range.bits - bit;
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    const i = bit / 8;
    if ((bytes[i] & mask) !== (range.bytes[i] & mask)) return false;
  }
  return true;
}

// IANA special-purpose IPv4 registry entries that are not globally reachable.
const V4_NOT_PUBLIC = [
  '0.0.0.0/8', // "this network", 0.0.0.0 reaches the local host on Linux
  '10.0.0.0/8',
  '100.64.0.0/10', // CGNAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, includes cloud metadata endpoints
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // TEST-NET-2
  '203.0.113.0/24', // TEST-NET-3
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes 255.255.255.255
].map(cidr);

const V6_MAPPED = cidr('::ffff:0:0/96');
const V6_NAT64 = cidr('64:ff9b::/96');
const V6_6TO4 = cidr('2002::/16');
// Only 2000::/3 is allocated for global unicast; everything outside it (::, ::1, IPv4-compatible, local-use
// NAT64 64:ff9b:1::/48, discard 100::/64, ULA fc00::/7, link-local fe80::/10, site-local fec0::/10,
// multicast ff00::/8) is unreachable from the internet, so an allowlist is safer than enumerating those.
const V6_GLOBAL_UNICAST = cidr('2000::/3');
const V6_NOT_PUBLIC = [
  '2001::/23', // IETF protocol assignments: Teredo 2001::/32 (embeds arbitrary v4), benchmarking, ORCHID
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation (RFC 9637)
].map(cidr);

function isPublicV4(bytes: Bytes): boolean {
  return !V4_NOT_PUBLIC.some((range) => inCidr(bytes, range));
}

function isPublicV6(bytes: Bytes): boolean {
  // Translation prefixes reach whatever IPv4 address they carry, so that address is what must be public.
  if (inCidr(bytes, V6_MAPPED) || inCidr(bytes, V6_NAT64)) return isPublicV4(bytes.slice(12));
  if (inCidr(bytes, V6_6TO4)) return isPublicV4(bytes.slice(2, 6));
  if (!inCidr(bytes, V6_GLOBAL_UNICAST)) return false;
  return !V6_NOT_PUBLIC.some((range) => inCidr(bytes, range));
}

/** True only for an IP address that is globally reachable; anything that does not parse as an IP is not. */
export function isPublicAddress(ip: string): boolean {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const v4 = parseIPv4(text);
  if (v4) return isPublicV4(v4);
  const v6 = parseIPv6(text);
  if (v6) return isPublicV6(v6);
  return false;
}

// RFC 6761 reserves these for loopback; resolvers may answer them without consulting DNS at all.
function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

const defaultResolver: HostResolver = (hostname) => dns.promises.lookup(hostname, { all: true });

export async function assertUrlAllowed(url: string, opts: AssertUrlOptions): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlNotAllowedError('invalid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UrlNotAllowedError(
      `scheme "${parsed.protocol.replace(/:$/, '')}" is not allowed, use http or https`,
    );
  }
  // No receiver listens there: every delivery would fail (or reach whatever the OS picks for port 0).
  if (parsed.port === '0') throw new UrlNotAllowedError('port 0 is not a port a receiver can listen on');
  if (opts.allowPrivate) return;

  // WHATWG parsing already normalised numeric forms such as http://2130706433/ or http://0x7f.1/ to dotted quads.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
  if (isIPv4(host) || isIPv6(host)) {
    if (!isPublicAddress(host)) throw new UrlNotAllowedError(`address ${host} is not public`, true);
    return;
  }
  if (isLocalhostName(host)) throw new UrlNotAllowedError(`host "${host}" is local`, true);

  let addresses: ResolvedAddress[];
  try {
    addresses = await (opts.lookup ?? defaultResolver)(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UrlNotAllowedError(`could not resolve host "${host}" (${code})`);
  }
  if (addresses.length === 0) throw new UrlNotAllowedError(`could not resolve host "${host}" (no addresses)`);
  // Every address, not just the first: the client may pick any of them (happy eyeballs, round robin).
  const blocked = addresses.find((a) => !isPublicAddress(a.address));
  if (blocked) {
    throw new UrlNotAllowedError(`host "${host}" resolves to non-public address ${blocked.address}`, true);
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A drop-in `dns.lookup` for `net.connect`/`tls.connect` (undici's connector passes it on) that refuses
 * non-public answers at connect time.
 * Node 20 connects with `autoSelectFamily`, which calls lookup with `{ all: true }` and expects an array back;
 * older call sites expect `(address, family)`, so both shapes are honoured.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  function lookup(
    hostname: string,
    options: dns.LookupOptions | number | LookupCallback,
    maybeCallback?: LookupCallback,
  ): void {
    const callback = typeof options === 'function' ? options : maybeCallback;
    if (!callback) throw new TypeError('lookup requires a callback');
    const opts: dns.LookupOptions =
      typeof options === 'number'
        ? { family: options }
        : typeof options === 'object' && options
          ? options
          : {};
    const fail = callback as (err: NodeJS.ErrnoException) => void;

    dns.lookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return fail(err);
      if (!allowPrivate) {
        const blocked = addresses.find((a) => !isPublicAddress(a.address));
        if (blocked) {
          return fail(
            new UrlNotAllowedError(
              `host "${hostname}" resolves to non-public address ${blocked.address}`,
              true,
            ),
          );
        }
      }
      if (addresses.length === 0) {
        return fail(
          Object.assign(new Error(`lookup ${hostname} returned no addresses`), { code: 'ENOTFOUND' }),
        );
      }
      if (opts.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  }
  return lookup;
}

export interface GuardedDispatcherOptions {
  allowPrivate: boolean;
  /** Connections per origin (receiver) at most. */
  connections: number;
  /** How long a connect may take, in ms. */
  connectTimeoutMs: number;
}

/**
 * The undici agent webhooks are posted through: keep-alive connections to each receiver, each opened through
 * `guardedLookup`, so that the address actually connected to is checked. HTTP/1.1 only, as receivers have
 * always been spoken to.
 */
export function createGuardedDispatcher(opts: GuardedDispatcherOptions): Agent {
  return new Agent({
    connections: opts.connections,
    allowH2: false,
    connect: { lookup: guardedLookup(opts.allowPrivate), timeout: opts.connectTimeoutMs },
  });
}
