import * as dns from 'node:dns';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  assertUrlAllowed,
  createGuardedDispatcher,
  guardedLookup,
  HostResolver,
  isPublicAddress,
  UrlNotAllowedError,
  WEBHOOK_URL_NOT_ALLOWED,
} from './url-guard';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '224.0.0.1',
    '239.255.255.250',
    '0.0.0.0',
    '0.1.2.3',
    '240.0.0.1',
    '255.255.255.255',
    '192.0.0.8',
    '192.0.2.1',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.7',
    '203.0.113.9',
    '::',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.1.2.3',
    '::127.0.0.1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::1',
    '2002:7f00:1::1',
    '2002:c0a8:101::',
    '2001:db8::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001:2::1',
    '3fff::1',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    'fec0::1',
    'ff02::1',
    '100::1',
    'localhost',
    'example.com',
    '',
    '1.2.3',
    '01.2.3.4',
  ])('%s is not public', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700::1111',
    '2a00:1450:4001:80b::200e',
    '[2606:4700:4700::1111]',
    '::ffff:93.184.216.34',
    '::ffff:5db8:d822',
    '64:ff9b::93.184.216.34',
    '2002:5db8:d822::1',
  ])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('assertUrlAllowed', () => {
  const noLookup: HostResolver = () => Promise.reject(new Error('lookup must not be called'));
  const fakeDns =
    (table: Record<string, string[]>): HostResolver =>
    (host) => {
      const addrs = table[host];
      if (!addrs)
        return Promise.reject(
          Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }),
        );
      return Promise.resolve(addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    };

  const refusal = async (url: string, lookup: HostResolver = noLookup): Promise<UrlNotAllowedError> => {
    const err = await assertUrlAllowed(url, { allowPrivate: false, lookup }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UrlNotAllowedError);
    expect((err as UrlNotAllowedError).code).toBe(WEBHOOK_URL_NOT_ALLOWED);
    return err as UrlNotAllowedError;
  };

  it.each([
    'http://127.0.0.1/hook',
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:8080/',
    'http://[::ffff:127.0.0.1]/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://0.0.0.0:3000/',
    'https://[fd00::1]/',
    // WHATWG URL parsing turns these into 127.0.0.1; the guard must judge the normalised host.
    'http://2130706433/',
    'http://0x7f.1/',
    'http://127.0.0.1./',
  ])('refuses the private literal %s without a lookup', async (url) => {
    const err = await refusal(url);
    expect(err.reason).toMatch(/not public/);
  });

  it.each(['http://localhost:4000/', 'http://LOCALHOST./', 'https://api.localhost/hook'])(
    'refuses %s without a lookup',
    async (url) => {
      const err = await refusal(url);
      expect(err.reason).toMatch(/is local/);
    },
  );

  it('refuses localhost with the default resolver too', async () => {
    await expect(assertUrlAllowed('http://localhost/', { allowPrivate: false })).rejects.toMatchObject({
      code: WEBHOOK_URL_NOT_ALLOWED,
    });
  });

  it('refuses a name that resolves to loopback', async () => {
    const err = await refusal('https://evil.test/hook', fakeDns({ 'evil.test': ['127.0.0.1'] }));
    expect(err.reason).toBe('host "evil.test" resolves to non-public address 127.0.0.1');
  });

  it('refuses a name when any of its addresses is private', async () => {
    const err = await refusal(
      'https://mixed.test/',
      fakeDns({ 'mixed.test': ['93.184.216.34', '2606:4700::1111', '192.168.0.10'] }),
    );
    expect(err.reason).toMatch(/192\.168\.0\.10/);
  });

  it('refuses an unresolvable host with the resolver error as reason', async () => {
    const err = await refusal('https://nowhere.test/', fakeDns({}));
    expect(err.reason).toBe('could not resolve host "nowhere.test" (ENOTFOUND)');
  });

  it('refuses a host that resolves to nothing', async () => {
    const err = await refusal('https://empty.test/', fakeDns({ 'empty.test': [] }));
    expect(err.reason).toMatch(/no addresses/);
  });

  it.each(['ftp://93.184.216.34/file', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)'])(
    'refuses the scheme of %s',
    async (url) => {
      const err = await refusal(url);
      expect(err.reason).toMatch(/scheme/);
    },
  );

  it('refuses something that is not a URL', async () => {
    expect((await refusal('not a url')).reason).toBe('invalid URL');
  });

  it.each([
    'http://93.184.216.34/hook',
    'https://[2606:4700::1111]/hook',
    'https://user:pw@93.184.216.34:8443/',
  ])('allows the public literal %s', async (url) => {
    await expect(assertUrlAllowed(url, { allowPrivate: false, lookup: noLookup })).resolves.toBeUndefined();
  });

  it('allows a name whose addresses are all public', async () => {
    const lookup = fakeDns({ 'hooks.example.com': ['93.184.216.34', '2606:4700::1111'] });
    await expect(
      assertUrlAllowed('https://hooks.example.com/in', { allowPrivate: false, lookup }),
    ).resolves.toBeUndefined();
  });

  it('allows private targets when allowPrivate is set, but still only http(s)', async () => {
    for (const url of [
      'http://127.0.0.1:4000/',
      'http://[::1]/',
      'http://localhost:4000/',
      'http://10.0.0.1/',
    ]) {
      await expect(assertUrlAllowed(url, { allowPrivate: true, lookup: noLookup })).resolves.toBeUndefined();
    }
    await expect(assertUrlAllowed('ftp://127.0.0.1/', { allowPrivate: true })).rejects.toBeInstanceOf(
      UrlNotAllowedError,
    );
  });

  it('refuses port 0, private targets allowed or not', async () => {
    for (const [url, allowPrivate] of [
      ['http://127.0.0.1:0/', true],
      ['http://8.8.8.8:0/hook', false],
      ['https://[2001:4860:4860::8888]:00/', false],
    ] as const) {
      await expect(assertUrlAllowed(url, { allowPrivate, lookup: noLookup })).rejects.toMatchObject({
        reason: 'port 0 is not a port a receiver can listen on',
      });
    }
    // Port 80 written out is the default port (URL drops it), not 0.
    await expect(
      assertUrlAllowed('http://8.8.8.8:80/', { allowPrivate: false, lookup: noLookup }),
    ).resolves.toBeUndefined();
  });
});

describe('guardedLookup', () => {
  const call = (allowPrivate: boolean, options: dns.LookupOptions) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
      guardedLookup(allowPrivate)('localhost', options, (err, address, family) =>
        resolve({ err, address, family }),
      ),
    );

  it('refuses a loopback answer with the guard error', async () => {
    const { err } = await call(false, { all: true });
    expect(err).toBeInstanceOf(UrlNotAllowedError);
    expect(err?.code).toBe(WEBHOOK_URL_NOT_ALLOWED);
  });

  it('answers with an array when called with all: true (Node 20 autoSelectFamily)', async () => {
    const { err, address } = await call(true, { all: true });
    expect(err).toBeNull();
    expect(address).toEqual(expect.arrayContaining([{ address: '127.0.0.1', family: 4 }]));
  });

  it('answers with address and family for the classic call shape', async () => {
    const { err, address, family } = await call(true, { family: 4 });
    expect(err).toBeNull();
    expect(address).toBe('127.0.0.1');
    expect(family).toBe(4);
  });
});

describe('createGuardedDispatcher', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = async (allowPrivate: boolean) => {
    const dispatcher = createGuardedDispatcher({ allowPrivate, connections: 4, connectTimeoutMs: 1000 });
    try {
      const response = await dispatcher.request({
        origin: `http://localhost:${port}`,
        path: '/',
        method: 'GET',
      });
      return { status: response.statusCode, body: await response.body.text() };
    } finally {
      await dispatcher.destroy();
    }
  };

  it('fails at connect time when the name resolves to loopback', async () => {
    const err = await get(false).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UrlNotAllowedError);
    expect((err as UrlNotAllowedError).code).toBe(WEBHOOK_URL_NOT_ALLOWED);
  });

  it('connects when private targets are allowed', async () => {
    expect(await get(true)).toEqual({ status: 200, body: 'reached' });
  });
});
