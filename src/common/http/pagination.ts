import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { IsIntegerIn } from '../validation/validators';

export const MAX_PAGE_SIZE = 200;
/** The largest offset a database query can take exactly (a JavaScript number beyond it loses digits). */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

/**
 * A query value written as plain decimal digits becomes that number; anything else (`1e3`, `0x10`, `1.5`,
 * ``, a repeated parameter) stays as it came, so the integer check refuses it naming the field.
 */
export function QueryInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  );
}

export class PageQueryDto {
  @ApiProperty({ required: false, minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @QueryInteger()
  @IsIntegerIn(1, MAX_PAGE_SIZE)
  limit: number = 50;

  @ApiProperty({ required: false, minimum: 0, maximum: MAX_OFFSET, default: 0 })
  @IsOptional()
  @QueryInteger()
  @IsIntegerIn(0, MAX_OFFSET)
  offset: number = 0;
}

export class PageMetaDto {
  @ApiProperty({ example: 1 })
  total!: number;

  @ApiProperty({ example: 50 })
  limit!: number;

  @ApiProperty({ example: 0 })
  offset!: number;
}

export interface Page<T> {
  data: T[];
  meta: PageMetaDto;
}

export function page<T>(data: T[], total: number, query: PageQueryDto): Page<T> {
  return { data, meta: { total, limit: query.limit, offset: query.offset } };
}

/** `{ data: Model[], meta }` in the OpenAPI document. */
export function ApiPageResponse(model: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model, PageMetaDto),
    ApiOkResponse({
      schema: {
        type: 'object',
        required: ['data', 'meta'],
        properties: {
          data: { type: 'array', items: { $ref: getSchemaPath(model) } },
          meta: { $ref: getSchemaPath(PageMetaDto) },
        },
      },
    }),
  );
}
