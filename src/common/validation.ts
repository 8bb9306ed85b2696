import { PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import { MemberKeysValidationPipe } from './prototype-keys';
import { FieldError, Problem } from './problem';

/** Flattens class-validator's tree into `a.b[2].c` paths, one entry per failed constraint set. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    if (error.constraints) {
      const messages = Object.entries(error.constraints).map(([name, message]) =>
        name === 'whitelistValidation'
          ? 'is not a known field'
          : message.startsWith(`${error.property} `)
            ? message.slice(error.property.length + 1)
            : message,
      );
      out.push({ field: path, message: messages.join('; ') });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, path));
  }
  return out;
}

/** The one validation pipe: unknown fields are errors, every bad field is listed. */
export function createValidationPipe(): ValidationPipe {
  return new MemberKeysValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { exposeDefaultValues: true },
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => Problem.validation(flattenValidationErrors(errors)),
  });
}

/** A UUID of any version in its 36-character form (validator's 'loose'), as PostgreSQL's uuid type reads it. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && isUUID(value, 'loose');
}

/** The `{id}` path parameter of a route: a UUID, or 400 naming `id`. */
export const uuidId: PipeTransform<unknown, string> = {
  transform(value) {
    if (!isUuid(value)) throw Problem.validation([{ field: 'id', message: 'must be a UUID' }]);
    return value;
  },
};

/** The OpenAPI of a `{id}` path parameter that `uuidId` checks, with an example. */
export const UuidParam = (example: string) => ApiParam({ name: 'id', type: String, format: 'uuid', example });
