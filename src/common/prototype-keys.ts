import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { FieldError, Problem } from './problem';

/** A path as flattenValidationErrors writes it: `a.b[2].c`. */
const child = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

const declared = new WeakMap<object, Set<string>>();

/** The fields `dto` declares to class-validator (its own and inherited). */
function declaredFields(dto: { prototype: object }): Set<string> {
  let fields = declared.get(dto);
  if (!fields) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(dto as new () => object, '', false, false);
    fields = new Set(metadata.map((m) => m.propertyName));
    declared.set(dto, fields);
  }
  return fields;
}

/**
 * The own keys of `value` (at any depth of its objects and arrays) that its class would read as
 * one of its members rather than as a field: a name on Object.prototype (`constructor`,
 * `hasOwnProperty`, `__lookupGetter__`, …) anywhere, and at the top a method or getter of the
 * DTO (`offset` of a page query), unless the DTO declares a field of that name. class-transformer
 * skips such a key when it builds the DTO (it would overwrite a function), so the whitelist never
 * sees it and the request went through as if it were not there; class-validator's whitelist also
 * looks keys up in a plain object. Walked with a stack, not recursion (the body limits bound it), through objects and arrays only.
 */
function memberNamedKeys(value: unknown, dto: { prototype: object }): FieldError[] {
  if (value === null || typeof value !== 'object') return [];
  const errors: FieldError[] = [];
  const stack: { value: object; path: string; top: boolean }[] = [{ value, path: '', top: true }];
  while (stack.length) {
    const { value: at, path, top } = stack.pop()!;
    if (Array.isArray(at)) {
      at.forEach((item: unknown, i) => {
        if (item !== null && typeof item === 'object') stack.push({ value: item, path: child(path, i), top: false });
      });
    } else {
      for (const key of Object.keys(at)) {
        const member = top ? key in dto.prototype && !declaredFields(dto).has(key) : key in Object.prototype;
        const item = (at as Record<string, unknown>)[key];
        if (member) errors.push({ field: child(path, key), message: 'is not a known field' });
        else if (item !== null && typeof item === 'object')
          stack.push({ value: item, path: child(path, key), top: false });
      }
    }
  }
  return errors;
}

/**
 * The validation pipe, refusing first what it would otherwise let through unseen: keys named
 * like an object's members, and a body of JSON `null`, which Nest's pipe reads as `{}` (so a
 * route whose fields are all optional accepted it; the fuzz drill found it on the exports' rerun).
 */
export class MemberKeysValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if ((metadata.type === 'body' || metadata.type === 'query') && metadata.metatype && this.toValidate(metadata)) {
      if (metadata.type === 'body' && value === null)
        throw Problem.validation([{ field: 'body', message: 'must be a JSON object' }]);
      const errors = memberNamedKeys(value, metadata.metatype);
      if (errors.length) throw Problem.validation(errors);
    }
    return super.transform(value, metadata);
  }
}
