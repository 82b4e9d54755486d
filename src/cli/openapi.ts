import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from '../app.factory';
import { loadConfig } from '../config/app-config';
import { buildOpenApiDocument } from '../swagger';

/**
 * `npm run openapi`: writes the OpenAPI document the service serves at /docs-json to openapi.json, so that
 * clients can be generated without running the service and a change of the API shows in review.
 */

export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi.json');

export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await createApp(
    loadConfig({
      DATABASE_URL: 'sqlite::memory:',
      ADMIN_API_KEY: 'openapi-document-generator',
      LOG_LEVEL: 'silent',
    }),
  );
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

export function serializeOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(): Promise<void> {
  writeFileSync(OPENAPI_FILE, serializeOpenApi(await generateOpenApiDocument()));
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}

if (require.main === module) void main();
