import { isAscii } from 'node:buffer';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import request from 'supertest';
import { OPENAPI_FILE } from '../src/cli/openapi';
import { SERVICE_STARTED } from '../src/service-started';
import { ADMIN_KEY, AUTH } from './support/admin';
import { createType, freshDatabaseUrl } from './support/fixtures';
import {
  freePort,
  killAll,
  npmStartArgs,
  ROOT,
  run,
  Server,
  started,
  stopped,
} from './support/service-process';

/*
 * The other suites run src/ through ts-node; this one builds and runs what `npm start` runs: the esbuild bundle
 * (scripts/bundle.mjs) through its launcher (src/bundle-launcher.ts). What a bundle can break is checked here:
 * files found at run time (Swagger UI's assets), class names (the OpenAPI schemas), decorator metadata
 * (validation of a PartialType's nested DTOs) and packages loaded twice (from the bundle and node_modules).
 */
const BUILD_MS = 300_000;
const BUNDLE_DIR = join(ROOT, 'dist', 'bundle');

/**
 * What the bundle may still load from node_modules: the native SQLite driver and Swagger UI's asset folder (on
 * PostgreSQL, TypeORM is handed the bundled pg: no second copy).
 */
const LOADED_FROM_NODE_MODULES = /\/node_modules\/(better-sqlite3|swagger-ui-dist)\//;

async function start(env: Record<string, string>): Promise<Server> {
  const server = run({ ...env, PORT: String(await freePort()) }, npmStartArgs());
  await started(server);
  return server;
}

describe('npm start: the bundled build (e2e)', () => {
  let env: Record<string, string>;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: BUILD_MS });
    env = {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'booking-npm-start-')),
      DATABASE_URL: await freshDatabaseUrl(),
      ADMIN_API_KEY: ADMIN_KEY,
    };
  }, BUILD_MS);

  afterAll(killAll);

  it('serves the API, Swagger UI with its assets, the same OpenAPI document and the booking page', async () => {
    const server = await start(env);
    const http = () => request(server.url);
    try {
      await http().get('/health').expect(200);

      const docs = await http().get('/docs').expect(200);
      const assets = [...docs.text.matchAll(/(?:src|href)="\.\/docs\/([^"]+)"/g)].map((m) => m[1]);
      expect(assets).toEqual(expect.arrayContaining(['swagger-ui.css', 'swagger-ui-bundle.js']));
      for (const asset of assets) {
        // Served from swagger-ui-dist's folder, which the bundle finds at run time.
        const response = await http().get(`/docs/${asset}`).buffer(true).expect(200);
        expect(Number(response.headers['content-length'])).toBeGreaterThan(100);
      }
      const served = await http().get('/docs-json').expect(200);
      expect(served.body).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));

      const type = await createType(http, { title: 'Intro call', slug: 'intro-call' });
      const invalid = await http()
        .patch(`/api/v1/appointment-types/${type.id}`)
        .set(AUTH)
        .send({ availability: { monday: [{ start: '25:00', end: '12:00' }] } })
        .expect(400);
      expect(invalid.body.details).toEqual([
        { field: 'availability.monday[0].start', message: 'must be a time HH:mm (00:00 to 24:00)' },
      ]);
      const page = await http().get('/book/intro-call').expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('Intro call');
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await stopped(server)).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toBe('');
  });

  it('starts again from the code cache its first run left, loading nothing else from node_modules', async () => {
    const caches = readdirSync(BUNDLE_DIR).filter((name) => name.endsWith('.v8-cache'));
    expect(caches).toHaveLength(1);
    const cache = join(BUNDLE_DIR, caches[0]);
    const written = statSync(cache).mtimeMs;
    // Node's module debugging names every file it loads (the bundle's launcher and what the bundle requires).
    const server = await start({ ...env, NODE_DEBUG: 'module' });
    try {
      await request(server.url).get('/health').expect(200);
      await request(server.url).get('/docs/swagger-ui.css').expect(200);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await stopped(server)).toEqual({ code: 0, signal: null });
    // V8 took the cache: a refused one would have been written again on this clean exit.
    expect(statSync(cache).mtimeMs).toBe(written);
    const loaded = [...server.stderr().matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1]);
    expect(loaded).toContain(join(BUNDLE_DIR, 'main.js'));
    expect(
      loaded.filter((file) => file.includes('/node_modules/') && !LOADED_FROM_NODE_MODULES.test(file)),
    ).toEqual([]);
  });

  it('tells an older Node what to install before it loads anything else', () => {
    // Node 20 said nothing of the kind: it failed on a TypeError while the bundle's undici loaded.
    const older = join(mkdtempSync(join(tmpdir(), 'booking-older-node-')), 'older.js');
    writeFileSync(
      older,
      "Object.defineProperty(process.versions, 'node', { value: '20.20.2' });\n" +
        "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList" +
        ".filter((name) => /^NativeModule (vm|http|zlib)$/.test(name))) + '\\n'));\n",
    );
    const result = spawnSync(process.execPath, ['--require', older, ...npmStartArgs()], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_OPTIONS: '', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'This service needs Node.js 24 or newer; this is v20.20.2. Install Node.js 24 (see README), then run npm ci again.\n' +
        'LOADED []\n',
    );
  });

  it("compiles none of Node's own modules as it starts, nor asks for its call sites' lines", async () => {
    // Node's cache of its own modules, refused by V8 under the service's flags, tells what it compiled
    // (src/v8-flags.ts). util.getCallSites works out the line and column of each frame (scripts/bundle.mjs).
    const hook = join(mkdtempSync(join(tmpdir(), 'booking-builtins-')), 'hook.js');
    writeFileSync(
      hook,
      [
        "const { internalBinding } = require('internal/test/binding');",
        "const util = require('node:util');",
        'const getCallSites = util.getCallSites;',
        'let callSites = 0;',
        'util.getCallSites = (...args) => (callSites++, getCallSites(...args));',
        `process.once(${JSON.stringify(SERVICE_STARTED)}, () => process.stderr.write('STARTED ' + JSON.stringify({`,
        // A Node built without the cache of its own modules compiles them all, whatever the service does.
        '  cachedBuiltins: process.features.cached_builtins,',
        "  compiled: [...internalBinding('builtins').getCacheUsage().compiledWithoutCache],",
        '  callSites,',
        "}) + '\\n'));",
      ].join('\n'),
    );
    const server = run({ ...env, PORT: String(await freePort()) }, [
      '--expose-internals',
      '--require',
      hook,
      ...npmStartArgs(),
    ]);
    await started(server);
    server.child.kill('SIGTERM');
    expect(await stopped(server)).toEqual({ code: 0, signal: null });
    const report = /^STARTED (.*)$/m.exec(server.stderr());
    expect(report).not.toBeNull();
    expect(JSON.parse(report![1])).toEqual({ cachedBuiltins: true, compiled: [], callSites: 0 });
  });

  it("is written in ASCII, and maps each of src/'s functions to its own line (traces under --enable-source-maps)", () => {
    const bytes = readFileSync(join(BUNDLE_DIR, 'app.js'));
    // Read as Latin-1 by the launcher: one byte a character in V8, not two (scripts/ascii-only.mjs).
    expect(isAscii(bytes)).toBe(true);
    const text = bytes.toString('latin1');
    // An escape means its character to a tag reading cooked strings, not to one reading `raw`.
    expect(text.match(/(?:String\.raw|dedent\w*(?:\.default)?\)?)`[^`]*\\u[0-9A-F]{4}/g)).toBeNull();
    const lines = text.split('\n');
    const map = new SourceMap(JSON.parse(readFileSync(join(BUNDLE_DIR, 'app.js.map'), 'utf8')));
    const misplaced: string[] = [];
    let checked = 0;
    // esbuild heads each module's code with its path (`// dist/src/main.js`, or a CommonJS wrapper's key):
    // only functions of src/'s modules are checked (packages' own maps also name `../../src/…` files).
    let ours = false;
    lines.forEach((line, index) => {
      const module = /^\s*(?:\/\/ |")((?:dist|node_modules)\/[^"\s]+\.[cm]?js)/.exec(line);
      if (module) ours = module[1].startsWith('dist/src/');
      const declared = /^\s*(?:async )?function\*? ?(\w+)\(/.exec(line);
      if (!declared || !ours) return;
      const entry = map.findEntry(index, line.search(/\S/));
      if (!('originalSource' in entry)) return;
      if (entry.generatedLine !== index || !entry.originalSource.startsWith('../../src/')) return;
      checked++;
      const source = readFileSync(join(BUNDLE_DIR, entry.originalSource), 'utf8').split('\n');
      // esbuild may suffix a name it renamed (`parseUtc2`).
      const name = declared[1].replace(/\d+$/, '');
      if (!new RegExp(`function\\*? ?${name}\\d*[(<]`).test(source[entry.originalLine])) {
        misplaced.push(`${declared[1]} -> ${entry.originalSource}:${entry.originalLine + 1}`);
      }
    });
    expect(checked).toBeGreaterThan(100);
    expect(misplaced).toEqual([]);
  });
});
