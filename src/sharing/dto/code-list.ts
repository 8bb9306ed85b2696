import { ValidateBy, ValidationOptions } from 'class-validator';

/** Longest string accepted in a code list; a credit code has 18 characters, the rest is room for typos. */
const MAX_CODE_INPUT = 64;

/**
 * Every element is a string of at most 64 characters, checked by one loop over the array (a
 * million codes cost no class instance each); whether each string is a credit code is the
 * service's question, answered per code.
 */
export function IsCodeList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCodeList',
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) && value.every((v: unknown) => typeof v === 'string' && v.length <= MAX_CODE_INPUT),
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          const at = Array.isArray(value)
            ? value.findIndex((v: unknown) => typeof v !== 'string' || v.length > MAX_CODE_INPUT)
            : -1;
          return `must be an array of strings of at most ${MAX_CODE_INPUT} characters (element ${at} is not)`;
        },
      },
    },
    options,
  );
}
