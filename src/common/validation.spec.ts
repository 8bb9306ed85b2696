import { Problem } from './problem';
import { isUuid, uuidId } from './validation';

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
