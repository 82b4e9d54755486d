import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import { ErrorFilter } from './common/errors/error.filter';
import { createPino, JsonLogger } from './common/logging/json-logger';
import { createValidationPipe } from './common/validation/validation-pipe';
import { AppConfig } from './config/app-config';
import { setupSwagger } from './swagger';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the whole application (used by main.ts and by the e2e tests, so both run the same thing). */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const pino = createPino(config.logLevel, config.logFormat);
  const adapter = new FastifyAdapter({
    loggerInstance: pino,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new JsonLogger(pino),
  });
  const filter = new ErrorFilter();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.useGlobalFilters(filter);
  app.useGlobalPipes(createValidationPipe());
  // process.exit(0) after the graceful close (not a re-raised signal) runs pino's exit flush of buffered logs.
  app.enableShutdownHooks([], { useProcessExit: true });
  setupSwagger(app);
  return app;
}
