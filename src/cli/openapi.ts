import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from '../app.factory';
import { loadConfig } from '../config/app-config';
import { buildOpenApiDocument } from '../swagger';

/**
 * `npm run openapi`: writes the OpenAPI document the service serves at /docs-json to openapi.json, so that
 * clients can be generated without running the service and a change of the API shows in review.
 * `npm run openapi -- --check` writes nothing and exits 1 when the committed file differs from the code.
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
  const { values } = parseArgs({
    options: { check: { type: 'boolean' }, file: { type: 'string', default: OPENAPI_FILE } },
  });
  const file = values.file;
  const generated = serializeOpenApi(await generateOpenApiDocument());
  if (values.check) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // A missing file differs like any other.
    }
    if (committed !== generated) {
      process.stderr.write(`${file} differs from the API in the code: run npm run openapi and commit it\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${file} is up to date\n`);
    return;
  }
  writeFileSync(file, generated);
  process.stdout.write(`wrote ${file}\n`);
}

if (require.main === module) void main();
