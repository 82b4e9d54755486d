import * as nodeModule from 'node:module';

/*
 * Imported first by main.ts: Node keeps the compiled code of every module it loads after this (in the OS temp
 * directory), so later starts skip compiling them. Run unbundled (dist/src/main.js) that is Nest, TypeORM and
 * the rest; in the bundle `npm start` runs, only the packages left in node_modules (the launcher,
 * src/bundle-launcher.ts, caches the bundle itself). Optional: without the API (or with
 * NODE_DISABLE_COMPILE_CACHE=1) the start is only slower.
 */
nodeModule.enableCompileCache?.();
