import * as nodeModule from 'node:module';

/*
 * Imported first by main.ts: Node keeps the compiled code of every module it loads after this (in the OS temp
 * directory), so later starts skip compiling Nest, TypeORM and the rest, most of the start-up time. Optional:
 * without the API (or with NODE_DISABLE_COMPILE_CACHE=1) the start is only slower.
 */
nodeModule.enableCompileCache?.();
