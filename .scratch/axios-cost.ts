import axios from 'axios';
import { Readable } from 'node:stream';
const resp = (config: any) => Promise.resolve({ data: Readable.from([]), status: 200, statusText: 'OK', headers: {}, config, request: {} });
async function main() {
  const a = axios.create({ adapter: resp as any, proxy: false, maxRedirects: 0, responseType: 'stream', validateStatus: () => true, timeout: 15000 });
  const body = Buffer.from('x'.repeat(2000));
  const headers = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'x/1', 'webhook-id': 'msg_1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,abc' };
  for (const variant of ['plain', 'signal', 'plain', 'signal', 'notransitional']) {
    if (variant === 'notransitional') { delete (a.defaults as any).transitional; a.defaults.transformRequest = []; a.defaults.transformResponse = []; }
    const n = 50000; const t0 = performance.now();
    for (let i = 0; i < n; i++) await a.post('http://127.0.0.1:1/hook', body, { headers, ...(variant === 'signal' ? { signal: AbortSignal.timeout(15000) } : {}) });
    console.log(variant, ((performance.now() - t0) / n * 1000).toFixed(1), 'µs/request');
  }
}
main();
