import axios, { AxiosHeaders } from 'axios';
import { Readable } from 'node:stream';
const resp = (config: any) => Promise.resolve({ data: null, status: 200, statusText: 'OK', headers: {}, config, request: {} });
async function time(label: string, a: any, headersFn: () => any) {
  const body = Buffer.from('x'.repeat(2000));
  const n = 50000; 
  for (let i = 0; i < 5000; i++) await a.post('http://127.0.0.1:1/hook', body, { headers: headersFn() });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await a.post('http://127.0.0.1:1/hook', body, { headers: headersFn() });
  console.log(label, ((performance.now() - t0) / n * 1000).toFixed(1), 'µs/request');
}
async function main() {
  const mk = () => axios.create({ adapter: resp as any, proxy: false, maxRedirects: 0, responseType: 'stream', validateStatus: () => true, timeout: 15000 });
  const h = () => ({ 'content-type': 'application/json; charset=utf-8', 'user-agent': 'x/1', 'webhook-id': 'msg_1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,abc' });
  for (let round = 0; round < 2; round++) {
    await time('default', mk(), h);
    const b = mk(); b.defaults.headers = { common: {} } as any; await time('no default headers', b, h);
    const c = mk(); delete (c.defaults as any).transitional; await time('no transitional', c, h);
    const d = mk(); d.defaults.transformRequest = []; d.defaults.transformResponse = []; await time('no transforms', d, h);
    const e = mk(); e.defaults.headers = { common: {} } as any; delete (e.defaults as any).transitional; e.defaults.transformRequest = []; e.defaults.transformResponse = []; await time('all three', e, h);
    const f = mk(); await time('direct adapter', { post: (url: string, data: any, cfg: any) => resp({ url, data, ...cfg }) }, h);
  }
}
main();
