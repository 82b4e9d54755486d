const n = 200000;
for (let r = 0; r < 2; r++) {
let t0 = performance.now();
for (let i = 0; i < n; i++) { const s = AbortSignal.timeout(15000); s.addEventListener('abort', () => {}, { once: true }); }
console.log('AbortSignal.timeout', ((performance.now() - t0) / n * 1000).toFixed(2), 'µs');
t0 = performance.now();
for (let i = 0; i < n; i++) { const c = new AbortController(); const t = setTimeout(() => c.abort(), 15000); c.signal.addEventListener('abort', () => {}, { once: true }); clearTimeout(t); }
console.log('controller+setTimeout', ((performance.now() - t0) / n * 1000).toFixed(2), 'µs');
}
