import { applyDecorators, Type as ClassType } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { ToInteger } from './transforms';

export const MAX_PAGE_SIZE = 500;
/** Far past the end of any list, and small enough that page × pageSize stays an exact integer for the database. */
export const MAX_PAGE = 1_000_000_000;

/**
 * The page size of a list, a whole number from 1 to `max`. A subclass narrowing it uses this
 * again rather than adding `@Max` alone: class-validator drops every inherited constraint of a
 * property once the subclass declares one of its own.
 */
export const PageSize = (max: number, defaultSize: number) =>
  applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: max, default: defaultSize, example: defaultSize }),
    ToInteger(),
    IsInt(),
    Min(1),
    Max(max),
  );

/** The largest sequence number a client may send (event and delivery seqs are bigint, read as exact JS numbers). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1, example: 1 })
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page = 1;

  @PageSize(MAX_PAGE_SIZE, 50)
  pageSize = 50;

  get offset(): number {
    return (this.page - 1) * this.pageSize;
  }
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export function pageOf<T>(items: T[], total: number, query: PageQuery): Page<T> {
  return { items, page: query.page, pageSize: query.pageSize, total };
}

class PageMeta {
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 50 }) pageSize!: number;
  @ApiProperty({ example: 1234, description: 'rows matching the query, over all pages' }) total!: number;
}

/** OpenAPI for a `{items, page, pageSize, total}` response of `model`. */
export function ApiPage(model: ClassType<unknown>) {
  return applyDecorators(
    ApiExtraModels(PageMeta, model),
    ApiOkResponse({
      schema: {
        allOf: [
          { $ref: getSchemaPath(PageMeta) },
          { properties: { items: { type: 'array', items: { $ref: getSchemaPath(model) } } }, required: ['items'] },
        ],
      },
    }),
  );
}
