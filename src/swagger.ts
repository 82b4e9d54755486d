import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { version } from '../package.json';
import { webhookPayloadsOpenApi } from './webhooks/payload/ssa-payload.openapi';

const TAGS: Array<[name: string, description: string]> = [
  [
    'appointment types',
    'What can be booked: duration, weekly hours in its time zone, buffers, notice, capacity and hosts ' +
      '(`team_member_ids`). A `draft` type offers no slots and refuses bookings. Availability lists the ' +
      'bookable starts. `date_overrides` replace the weekly hours of single local dates.',
  ],
  [
    'team members',
    'The hosts of appointment types. With hosts, capacity counts per host: 4 hosts × capacity 3 = 12 seats at ' +
      'one start. A member with its own `availability` (in its `timezone`) hosts only inside those hours.',
  ],
  [
    'blackouts',
    'Closed spans of time: the whole site, one type, or one member (busy). They remove slots and refuse ' +
      'bookings, never touch existing appointments (see `?conflicts=true` on the appointment list) and ' +
      'announce nothing to webhooks.',
  ],
  ['customers', 'Created by bookings and matched by email.'],
  [
    'appointments',
    'Book, list, edit, reschedule (a PATCH of `start_date`) and cancel. Every change is announced to the ' +
      'webhooks.',
  ],
  [
    'webhooks',
    'Subscriptions to booking changes, their delivery log and manual redelivery. Bodies are the SSA payload ' +
      '(see *Webhooks* below), signed per Standard Webhooks with the secret shown on create.',
  ],
  ['health', 'Liveness and database check.'],
  [
    'webhook payloads',
    'What the service POSTs to webhook URLs: one body per action. `npm run webhook:listen` shows them live.',
  ],
];

/**
 * The OpenAPI 3.1 document: the REST API scanned from the controllers, plus the webhook payloads. It depends on
 * the code only (no configuration), so `npm run openapi` writes the same document the service serves.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Booking service with webhooks')
    .setDescription(
      'Admin API: appointment types, team members, blackouts, customers, appointments and webhooks. ' +
        'Admin routes need `Authorization: Bearer <ADMIN_API_KEY>` (use the Authorize button; the key is ' +
        'printed on first start and stored in `data/admin-api-key`, or in `$DATA_DIR`). ' +
        'Errors: `{ statusCode, error, code, message, request_id, details? }` with a stable `code`. ' +
        'Times are ISO 8601; lists return `{ data, meta: { total, limit, offset } }`.',
    )
    .setVersion(version)
    .addServer('/', 'The service serving this document')
    .addServer('http://localhost:3000', 'A local instance started with npm start')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'The ADMIN_API_KEY' },
      'admin',
    )
    .addSecurityRequirements('admin');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const { schemas, webhooks } = webhookPayloadsOpenApi();
  const config: Omit<OpenAPIObject, 'paths'> = {
    ...builder.build(),
    webhooks,
  };
  const document = SwaggerModule.createDocument(app, config);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...schemas } };
  return document;
}

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
    customCss: NARROW_SCREEN_CSS,
  });
}

/**
 * On a phone a tag's heading and its description share one row, so the description is squeezed into a
 * column a word wide: below 600 px the description goes under the heading instead.
 */
const NARROW_SCREEN_CSS = `@media (max-width: 600px) {
  .swagger-ui .opblock-tag { flex-wrap: wrap; }
  .swagger-ui .opblock-tag small { flex: 1 0 100%; padding: 0 0 8px; }
}`;
