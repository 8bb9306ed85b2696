import { IsOptional, IsString } from 'class-validator';
import { Problem } from './problem';
import { createValidationPipe, isUuid, uuidId } from './validation';

describe('isUuid and the uuidId pipe', () => {
  it('take a UUID of any version, in either case, and nothing else', () => {
    for (const id of [
      '0918a59f-b939-4eab-ad6a-2b4b90f5ac13',
      '00000000-0000-0000-0000-000000000000',
      'ABCDEF01-2345-6789-ABCD-EF0123456789',
    ]) {
      expect(isUuid(id)).toBe(true);
      expect(uuidId.transform(id, { type: 'param', data: 'id' })).toBe(id);
    }
    for (const id of [
      'admin',
      '0918a59f-b939-4eab-ad6a-2b4b90f5ac1',
      '0918a59fb9394eabad6a2b4b90f5ac13',
      '------------------------------------',
      42,
      undefined,
    ]) {
      expect(isUuid(id)).toBe(false);
      expect(() => uuidId.transform(id, { type: 'param', data: 'id' })).toThrow(Problem);
    }
  });
});

describe('the validation pipe', () => {
  class Optional {
    @IsOptional()
    @IsString()
    note?: string;
  }
  const body = { type: 'body' as const, metatype: Optional, data: '' };

  it('refuses a body of JSON null, which it would otherwise read as an empty object', async () => {
    await expect(createValidationPipe().transform(null, body)).rejects.toThrow(Problem);
    await expect(createValidationPipe().transform({}, body)).resolves.toBeInstanceOf(Optional);
    await expect(createValidationPipe().transform(undefined, body)).resolves.toBeInstanceOf(Optional);
  });
});
