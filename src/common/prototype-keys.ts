import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { FieldError, Problem } from './problem';

/** A path as flattenValidationErrors writes it: `a.b[2].c`. */
const child = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/**
 * The own keys of `value` (at any depth of its objects and arrays) that its class would read as
 * one of its members rather than as a field: a name on Object.prototype (`constructor`,
 * `hasOwnProperty`, `__lookupGetter__`, …) anywhere, and at the top a method or getter of the
 * DTO (`offset` of a page query), unless the DTO declares a field of that name. class-transformer
 * skips such a key when it builds the DTO (it would overwrite a function), so the whitelist never
 * sees it and the request went through as if it were not there; class-validator's whitelist also
 * looks keys up in a plain object. Walked with a stack, not recursion: the body limits bound it.
 */
export function memberNamedKeys(value: unknown, dto: { prototype: object }): FieldError[] {
  const declared = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(dto as unknown as new () => object, '', false, false)
      .map((m) => m.propertyName),
  );
  const errors: FieldError[] = [];
  const stack: { value: unknown; path: string; top: boolean }[] = [{ value, path: '', top: true }];
  while (stack.length) {
    const { value: at, path, top } = stack.pop()!;
    if (Array.isArray(at)) {
      at.forEach((item, i) => stack.push({ value: item, path: child(path, i), top: false }));
    } else if (at !== null && typeof at === 'object') {
      for (const key of Object.keys(at)) {
        const member = top ? key in dto.prototype && !declared.has(key) : key in Object.prototype;
        if (member) errors.push({ field: child(path, key), message: 'is not a known field' });
        else stack.push({ value: (at as Record<string, unknown>)[key], path: child(path, key), top: false });
      }
    }
  }
  return errors;
}

/** The validation pipe, refusing first the keys it would otherwise let through unseen. */
export class MemberKeysValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if ((metadata.type === 'body' || metadata.type === 'query') && metadata.metatype && this.toValidate(metadata)) {
      const errors = memberNamedKeys(value, metadata.metatype);
      if (errors.length) throw Problem.validation(errors);
    }
    return super.transform(value, metadata);
  }
}
