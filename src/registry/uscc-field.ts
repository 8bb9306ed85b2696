import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Validate } from 'class-validator';
import { UsccConstraint } from './uscc.constraint';

/**
 * Normalises a credit code (trim, upper case) and validates it: both check characters, or an
 * allow-listed legacy code. The message says which check failed.
 */
export function UsccField(description = 'Unified Social Credit Code (GB 32100-2015)') {
  return applyDecorators(
    ApiProperty({ description, example: '91330100799655058B', minLength: 18, maxLength: 18 }),
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value)),
    Validate(UsccConstraint),
  );
}
