import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { registerDecorator, ValidationArguments } from 'class-validator';
import { checkUscc } from './uscc';

/** Normalises a credit code (trim, upper case) and validates it; the message says which check failed. */
export function UsccField(description = 'Unified Social Credit Code (GB 32100-2015)') {
  return applyDecorators(
    ApiProperty({ description, example: '91330100799655058B', minLength: 18, maxLength: 18 }),
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value)),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isUscc',
        target: target.constructor,
        propertyName: propertyName as string,
        validator: {
          validate: (value: unknown) => typeof value === 'string' && checkUscc(value).valid,
          defaultMessage: (args?: ValidationArguments) => {
            if (typeof args?.value !== 'string') return 'must be a string of 18 characters';
            const result = checkUscc(args.value);
            return result.valid ? '' : result.message;
          },
        },
      }),
  );
}
