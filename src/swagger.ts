import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { version } from '../package.json';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Booking service with webhooks')
    .setDescription(
      'Admin API: appointment types, team members, customers, appointments and webhooks. ' +
        'Admin routes need `Authorization: Bearer <ADMIN_API_KEY>` (use the Authorize button). ' +
        'Errors: `{ statusCode, error, code, message, request_id, details? }` with a stable `code`.',
    )
    .setVersion(version)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'The ADMIN_API_KEY' },
      'admin',
    )
    .addSecurityRequirements('admin')
    .build();
  return SwaggerModule.createDocument(app, config);
}

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
