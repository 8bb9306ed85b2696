import { Transform } from 'class-transformer';

/** Trims surrounding white space from a string field before it is validated. */
export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const DECIMAL_INTEGER = /^-?\d+$/;

/**
 * A string of decimal digits (with an optional minus) as its number; any other value as it came,
 * for `@IsInt` to refuse naming its field. `Number()`, which `@Type(() => Number)` calls, also
 * reads `0x10`, `0b1`, `0o7`, `1e3`, `' 12'`, `'+1'` and `''` (as 0).
 */
export function decimalInteger(value: unknown): unknown {
  return typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value;
}

/** An integer field that may arrive as text (a query parameter): decimal digits only. */
export const ToInteger = () => Transform(({ value }: { value: unknown }) => decimalInteger(value));
