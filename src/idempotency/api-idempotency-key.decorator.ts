import { ApiHeader } from '@nestjs/swagger';

/**
 * Documents a route's optional `Idempotency-Key` header. Its errors (`idempotency_key_invalid`,
 * `idempotency_key_reused`) go in the route's one `@ApiErrors` list, which holds one entry per status.
 */
export function ApiIdempotencyKey(): MethodDecorator {
  return ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Any unique string (1–255 visible ASCII characters). Sent again with the same body within 24 h, it ' +
      'answers the first result (header `Idempotent-Replayed: true`) and books nothing new; with another ' +
      'body: 422.',
  });
}
