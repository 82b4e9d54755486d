import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The launcher (what dist/bundle/main.js runs) loading a bundle of its own, in a process of its own. */
function launch(bundle: string): { status: number | null; stdout: string; stderr: string } {
  const script = `require(${JSON.stringify(join(ROOT, 'src', 'bundle-launcher'))}).loadBundle(${JSON.stringify(bundle)})`;
  const result = spawnSync(process.execPath, ['--require', 'ts-node/register/transpile-only', '-e', script], {
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
});
