import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SERVICE_STARTED } from '../src/service-started';

const ROOT = join(__dirname, '..');

/** The launcher (what dist/bundle/main.js runs) loading a bundle of its own, in a process of its own. */
function launch(
  bundle: string,
  nodeArgs: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const script = `require(${JSON.stringify(join(ROOT, 'src', 'bundle-launcher'))}).loadBundle(${JSON.stringify(bundle)})`;
  const args = [...nodeArgs, '--require', 'ts-node/register/transpile-only', '-e', script];
  const result = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the bundle launcher and a damaged V8 code cache (e2e)', () => {
  it('starts without the cache when its bytes are damaged, instead of crashing on every start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
    const bundle = join(dir, 'app.js');
    const functions = Array.from(
      { length: 2000 },
      (_, i) =>
        `function f${i}(x) { return x.map((y) => y * ${i} + String(y).length).filter(Boolean).length; }`,
    );
    writeFileSync(
      bundle,
      `${functions.join('\n')}\nlet total = 0;\n${Array.from({ length: 2000 }, (_, i) => `total += f${i}([1, 2, 3]);`).join('\n')}\nprocess.stdout.write('ran ' + total);\n`,
    );
    const first = launch(bundle);
    expect(first).toMatchObject({ status: 0, stdout: expect.stringMatching(/^ran \d+$/) as string });
    const [cache] = readdirSync(dir).filter((name) => name.endsWith('.v8-cache'));
    expect(cache).toBeDefined();
    const cached = launch(bundle);
    expect(cached).toMatchObject({ status: 0, stdout: first.stdout });

    const bytes = readFileSync(join(dir, cache));
    for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 4096 && i < bytes.length; i++) bytes[i] ^= 0x5a;
    writeFileSync(join(dir, cache), bytes);
    const damaged = launch(bundle);
    expect(damaged).toMatchObject({ status: 0, stdout: first.stdout });
    // Written again whole by that clean run: the next start takes it.
    expect(launch(bundle)).toMatchObject({ status: 0, stdout: first.stdout });
  }, 60_000);

  it('runs a bundle written outside ASCII as UTF-8, and one in ASCII as the same text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
    const written = join(dir, 'utf8.js');
    writeFileSync(written, "process.stdout.write('Größe → 😀');\n");
    const escaped = join(dir, 'ascii.js');
    writeFileSync(escaped, "process.stdout.write('Gr\\u00F6\\u00DFe \\u2192 \\uD83D\\uDE00');\n");
    for (const bundle of [written, escaped]) {
      expect(launch(bundle)).toMatchObject({ status: 0, stdout: 'Größe → 😀' });
    }
  }, 60_000);

  it('keeps in the cache what the start compiled, however long the service ran before it stopped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
    // 2,000 functions the start runs, then the service announces it listens; then a while of work that
    // never calls them again, over many collections (V8 flushes the bytecode of functions left unused: here at
    // every collection, --stress-flush-code), then a clean stop.
    const start = Array.from(
      { length: 2000 },
      (_, i) => `function s${i}(x) { return x.map((y) => y * ${i}).length; }`,
    );
    const bundle = (run: string) => {
      const file = join(mkdtempSync(join(dir, 'b-')), 'app.js');
      writeFileSync(
        file,
        `${start.join('\n')}\nlet total = 0;\n${Array.from({ length: 2000 }, (_, i) => `total += s${i}([1]);`).join('\n')}\n` +
          `process.emit(${JSON.stringify(SERVICE_STARTED)});\n${run}\nprocess.stdout.write('ran ' + total);\n`,
      );
      return file;
    };
    const cacheSize = (file: string) => {
      const folder = dirname(file);
      const [cache] = readdirSync(folder).filter((name) => name.endsWith('.v8-cache'));
      return readFileSync(join(folder, cache)).length;
    };
    const flags = ['--stress-flush-code', '--flush-bytecode', '--expose-gc'];
    const stoppedAtOnce = bundle('');
    const ranLong = bundle('for (let i = 0; i < 20; i++) { new Array(1e5).fill(i); gc(); }');
    expect(launch(stoppedAtOnce, flags)).toMatchObject({ status: 0 });
    expect(launch(ranLong, flags)).toMatchObject({ status: 0 });
    expect(cacheSize(ranLong)).toBeGreaterThan(cacheSize(stoppedAtOnce) * 0.9);
  }, 60_000);
});
