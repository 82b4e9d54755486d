import './node-version';
import './v8-flags';
import { isAscii } from 'node:buffer';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';
import { SERVICE_STARTED } from './service-started';

/*
 * What `npm start` runs, as dist/bundle/main.js: it loads the whole service, bundled into dist/bundle/app.js by
 * scripts/bundle.mjs, with V8's code cache of an earlier run. Node's own compile cache (src/compile-cache.ts)
 * keeps only what V8 compiles up front, the outline of the 12 MB bundle: every function the start runs is
 * still compiled on the spot, a quarter of a second. V8's cache taken after a run holds those too.
 *
 * The cache is written once per bundle, when a run of it ends cleanly (exit code 0: a stop by SIGINT or SIGTERM),
 * beside the bundle and named after its size and time of writing: a build that changes the bundle removes the
 * old caches, and the name keeps a bundle copied over another from meeting its cache. V8 refuses a cache of
 * another Node version or other V8 flags; the next clean stop writes it again.
 * Where dist/ is read-only the service starts as it would without a cache. NODE_DISABLE_COMPILE_CACHE=1 turns
 * both caches off. Under `node --enable-source-maps` Node's own loader loads the bundle: it reads app.js.map
 * (a vm.Script's stack traces are not mapped), so that traces name the lines of src/.
 */
export function loadBundle(bundle: string): void {
  if (process.env.NODE_DISABLE_COMPILE_CACHE || process.sourceMapsEnabled) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(bundle);
    return;
  }
  const { size, mtimeMs } = statSync(bundle);
  const cacheFile = `${bundle}.${size}-${Math.trunc(mtimeMs)}.v8-cache`;
  const cachedData = readCache(cacheFile);
  const script = new Script(Module.wrap(sourceOf(bundle)), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // Taken once the service listens (about a tenth of a second, once per build), written when it stops
    // cleanly. Taken at the stop, after a long run, it lacked what the start compiles: V8 drops the bytecode
    // of functions unused for a while, and every later start compiled them again (a third longer here).
    let data: Buffer | undefined;
    process.once(SERVICE_STARTED, () => (data = script.createCachedData()));
    process.once('exit', (code) => {
      if (code === 0) writeQuietly(cacheFile, withChecksum(data ?? script.createCachedData()));
    });
  }
  // What Node's loader would hand the bundle: its module, exports, a require resolving from dist/bundle.
  const bundleModule = new Module(bundle);
  bundleModule.filename = bundle;
  bundleModule.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(
    dirname(bundle),
  );
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(
    bundleModule.exports,
    bundleModule.exports,
    createRequire(bundle),
    bundleModule,
    bundle,
    dirname(bundle),
  );
}

/**
 * The bundle's text. scripts/bundle.mjs writes it in ASCII: found so (a vectorized scan), it is read as Latin-1,
 * a plain copy of its bytes into a string of one byte a character, rather than decoded as UTF-8. Anything else
 * is read as UTF-8.
 */
function sourceOf(bundle: string): string {
  const bytes = readFileSync(bundle);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/**
 * The cache, if its checksum holds. V8 checks a cache's version, flags and source length, not its contents
 * (outside debug builds): a damaged one crashed every start (SIGTRAP in its deserializer) until removed.
 */
function readCache(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  if (data.length < 4 || data.readUInt32LE(0) !== crc32(data.subarray(4))) return undefined;
  return data.subarray(4);
}

/** The cache as written: its CRC-32, then V8's data. */
function withChecksum(data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(crc32(data));
  return Buffer.concat([head, data]);
}

/** Written whole or not at all (two instances stopping at once, a full disk, a read-only dist/). */
function writeQuietly(file: string, data: Buffer): void {
  const partial = `${file}.${process.pid}`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, file);
  } catch {
    // Only the next start is slower.
  }
}

if (require.main === module) loadBundle(join(__dirname, 'app.js'));
