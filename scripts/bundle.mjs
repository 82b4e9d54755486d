// @ts-check
/**
 * Bundles the compiled service (dist/src/main.js, which tsc emitted with its decorator metadata) into one file,
 * dist/bundle/app.js, which dist/bundle/main.js (src/bundle-launcher.ts) loads: `npm start`. Node's module
 * loader was most of the start-up: resolving, reading and compiling some 2,600 small files of Nest, TypeORM,
 * Fastify and the rest. One file takes a fraction of that.
 *
 * Left out of the bundle, and so resolved from node_modules at run time as before:
 * - native drivers (better-sqlite3, pg-native);
 * - optional packages Nest imports only when asked for (microservices, websockets, Express, multipart, views),
 *   which are not installed;
 * - swagger-ui-dist, which locates its assets (served at /docs) from its own directory.
 *
 * app.js is written in ASCII, its map moved to match (scripts/ascii-only.mjs): V8 keeps it at one byte a
 * character, and the launcher reads it as Latin-1.
 *
 * A file whose content did not change is not written again: the launcher's code cache, named after the
 * bundle's size and time of writing, survives the build `npm start` runs first (the caches of an older bundle
 * are removed).
 */
import { build } from 'esbuild';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asciiOnly } from './ascii-only.mjs';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist', 'bundle');

const EXTERNAL = [
  'better-sqlite3',
  'pg-native',
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets/*',
  '@nestjs/platform-express',
  '@fastify/multipart',
  '@fastify/view',
  'swagger-ui-dist/*',
  // @nestjs/mapped-types falls back to it only when class-transformer/cjs/storage (bundled) is missing.
  'class-transformer/storage',
];

/**
 * Some of Nest's ES modules load packages through `createRequire(import.meta.url)`, which a bundler does not
 * follow (evanw/esbuild#1828): left alone, class-validator, class-transformer and TypeORM would be loaded a
 * second time from node_modules, with metadata storages of their own (class-transformer's is a module
 * singleton: a PartialType would lose its @Type). Without that local `require`, their `require('pkg')`
 * calls are the bundle's own and name the one bundled copy.
 */
const BUNDLE_NEST_REQUIRES = {
  name: 'bundle-nest-requires',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]@nestjs[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const local = /^const require = createRequire\(import\.meta\.url\);$/m;
      if (!local.test(source)) return undefined;
      return { contents: source.replace(local, ''), loader: 'js' };
    });
  },
};

/**
 * pino asks for its callers' files once per logger (to resolve a transport's relative path) through
 * `util.getCallSites`, which works out each frame's line and column too: for frames of the 12 MB bundle, 48
 * million instructions of the start's main thread, a thirtieth (callgrind). pino's way for a Node without
 * `getCallSites` gives the same file names from V8's call sites, without lines (app.js, where under
 * `--enable-source-maps` getCallSites would name src/'s files; the service gives pino no transport).
 */
const PINO_CALLERS_WITHOUT_LINES = {
  name: 'pino-callers-without-lines',
  setup(build) {
    let found = false;
    build.onEnd(() => {
      if (!found) throw new Error("pino's lib/caller.js was not bundled: is it still where pino keeps it?");
    });
    build.onLoad({ filter: /[\\/]node_modules[\\/]pino[\\/]lib[\\/]caller\.js$/ }, async (args) => {
      found = true;
      const source = await readFile(args.path, 'utf8');
      const lookup = 'const getCallSites = util.getCallSites ?? util.getCallSite';
      if (!source.includes(lookup)) throw new Error(`pino's caller.js no longer reads: ${lookup}`);
      return { contents: source.replace(lookup, 'const getCallSites = undefined'), loader: 'js' };
    });
  },
};

const COMMON = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  write: false,
  logLevel: 'warning',
};

const app = await build({
  ...COMMON,
  entryPoints: [join(ROOT, 'dist', 'src', 'main.js')],
  outfile: join(OUT, 'app.js'),
  external: EXTERNAL,
  // Class names are the names of OpenAPI schemas, TypeORM entities and Nest providers: keep them.
  keepNames: true,
  // ES modules bundled into CommonJS: their `import.meta.url` is the bundle's own URL.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  // `import()` becomes `require()`: the launcher runs the bundle as a vm.Script, which has no ESM loader.
  supported: { 'dynamic-import': false },
  sourcemap: 'linked',
  plugins: [BUNDLE_NEST_REQUIRES, PINO_CALLERS_WITHOUT_LINES],
  // One axios: @nestjs/axios (an ES module) would import axios' ES build, the service's CommonJS its CommonJS
  // build, two copies whose AxiosHeaders do not know each other's (every request's headers copied across).
  alias: { axios: './node_modules/axios/dist/node/axios.cjs' },
});
const launcher = await build({
  ...COMMON,
  entryPoints: [join(ROOT, 'dist', 'src', 'bundle-launcher.js')],
  outfile: join(OUT, 'main.js'),
});

/**
 * keepNames wraps every named function, closures made on each call included, in `__name`, whose
 * `Object.defineProperty` changes the function's shape: on the hot paths that cost a tenth of booking throughput.
 * What keepNames is here for is class names (see above); `__name` leaves alone:
 * - a function whose name is already right (every one esbuild did not rename);
 * - a nameless function without a prototype: an arrow (or async function) whose `const` the wrapping kept from
 *   naming it. None is a class; a stack trace shows it by its place. Closures made on each call are mostly
 *   arrows: naming each cost about 0.5 µs, a dozen times per webhook delivery. One name of an arrow is read:
 *   @fastify/ajv-compiler adds ajv-formats unless a plugin it is given is named `formatsPlugin`; this service
 *   gives it none. Give it one, and pass it as `function formatsPlugin` or name it by hand.
 */
const NAME_HELPER =
  'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
const NAME_IF_RENAMED =
  'var __name = (target, value) => target.name === value || (target.name === "" && !("prototype" in target)) ? target : __defProp(target, "name", { value, configurable: true });';

/**
 * Inside axios no name is read, but its per-request helpers (mergeConfig's `assignValue`, AxiosHeaders'
 * `setHeaders`, the validators) are closures made on every call, nameless arrows that `__name` names every
 * time: about 15 µs of each webhook delivery. Its module gets a `__name` of its own that leaves them be.
 */
const AXIOS_MODULE =
  /"[^"\n]*node_modules\/axios\/dist\/node\/axios\.cjs"\(exports\d*, module\d*\) \{\n\s*"use strict";/;
// On the line of "use strict": a line added would shift every later line off its place in app.js.map.
const NAMES_LEFT_ALONE = ' const __name = (target) => target;';

/** app.js (with the two `__name` changes above, then in ASCII) and its map; the launcher as esbuild wrote it. */
function contentsOf(outputFiles) {
  const appFile = outputFiles.find((file) => file.path.endsWith('app.js'));
  const mapFile = outputFiles.find((file) => file.path.endsWith('app.js.map'));
  if (!appFile.text.includes(NAME_HELPER)) throw new Error(`esbuild's __name helper changed: ${NAME_HELPER}`);
  if (!AXIOS_MODULE.test(appFile.text)) throw new Error(`axios is no longer bundled as ${AXIOS_MODULE}`);
  const { code, map } = asciiOnly(
    appFile.text
      .replace(NAME_HELPER, NAME_IF_RENAMED)
      .replace(AXIOS_MODULE, (opening) => opening + NAMES_LEFT_ALONE),
    JSON.parse(mapFile.text),
  );
  return outputFiles.map((file) => {
    if (file === appFile) return { path: file.path, contents: Buffer.from(code) };
    if (file === mapFile) return { path: file.path, contents: Buffer.from(JSON.stringify(map)) };
    return file;
  });
}

await mkdir(OUT, { recursive: true });
for (const file of contentsOf([...app.outputFiles, ...launcher.outputFiles])) {
  const { contents } = file;
  const before = await readFile(file.path).catch(() => undefined);
  if (before?.equals(contents)) continue;
  await writeFile(file.path, contents);
  if (file.path.endsWith('app.js')) {
    for (const name of await readdir(OUT)) if (name.endsWith('.v8-cache')) await rm(join(OUT, name));
  }
}
