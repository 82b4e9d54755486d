import { Param } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { documentedParam } from '../common/http/id-param';

/**
 * The `:slug` of a published appointment type, documented with the slug of the README's walkthrough type so
 * that Swagger UI's "Try it out" runs as it stands.
 */
export function SlugParam(): ParameterDecorator {
  return documentedParam(
    Param('slug'),
    ApiParam({ name: 'slug', type: 'string', example: 'intro-call', description: 'the type’s slug' }),
  );
}
