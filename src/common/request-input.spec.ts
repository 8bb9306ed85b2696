import { Problem } from './problem';
import { exceededJsonLimit, nulBytePath, parseForm } from './request-input';

const LIMITS = { depth: 32, containers: 1_000, values: 20_000, objectMembers: 100 };
const exceeded = (text: string, limits: Partial<typeof LIMITS> = {}) =>
  exceededJsonLimit(Buffer.from(text), { ...LIMITS, ...limits });

describe('exceededJsonLimit', () => {
  it('counts arrays and objects, not brackets or commas inside strings', () => {
    expect(exceeded('{"a":[1,{"b":[]}]}', { depth: 4 })).toBeNull();
    expect(exceeded('{"a":[1,{"b":[]}]}', { depth: 3 })).toBe('nests deeper than 3 arrays or objects');
    expect(exceeded('{"a":"[[[[{{{{,,,,"}', { depth: 1, values: 1 })).toBeNull();
    expect(exceeded('["\\"[[[", "x\\\\", [[]]]', { depth: 3 })).toBeNull();
    expect(exceeded('{"名称":"【温州】"}', { depth: 1 })).toBeNull();
  });

  it('stops as soon as a limit is passed', () => {
    expect(exceeded('['.repeat(1_000_000))).toBe('nests deeper than 32 arrays or objects');
    expect(exceeded(`[${'{},'.repeat(1_000)}{}]`)).toBe('holds more than 1000 arrays or objects');
    expect(exceeded(`[${'1,'.repeat(20_000)}1]`)).toBe('holds more than 20000 values');
    expect(exceeded(`[${'1,'.repeat(19_999)}1]`)).toBeNull();
  });

  it('counts the members of each object, not the elements of arrays', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":[1,2]`).join(',');
    expect(exceeded(`{${members(100)}}`)).toBeNull();
    expect(exceeded(`{${members(101)}}`)).toBe('holds an object of more than 100 members');
    expect(exceeded(`{"a":{${members(101)}}}`)).toBe('holds an object of more than 100 members');
    expect(exceeded(`{"a":{${members(100)}},"b":{${members(100)}}}`)).toBeNull();
    expect(exceeded(`{"codes":[${'"x",'.repeat(10_000)}"x"],"b":"{,,,"}`)).toBeNull();
    expect(exceeded(`[{${members(60)}},{${members(60)}}]`)).toBeNull();
  });
});

describe('nulBytePath', () => {
  it('names the first field holding a NUL', () => {
    expect(nulBytePath({ a: 'x', b: [{ c: 'ok' }, { c: 'y\u0000' }] }, '')).toBe('b[1].c');
    expect(nulBytePath({ a: 'x', b: [1, null] }, 'body')).toBeNull();
    expect(nulBytePath('a\u0000', 'body')).toBe('body');
  });
});

describe('parseForm', () => {
  const refusal = (body: string | Buffer) => {
    try {
      parseForm(Buffer.from(body));
    } catch (error) {
      return (error as Problem).extensions.errors;
    }
    return null;
  };

  it('decodes fields as browsers send them', () => {
    expect(parseForm(Buffer.from('username=%E7%8E%8B+%E4%BA%94&password=a%2Bb%3D&x'))).toEqual({
      username: '王 五',
      password: 'a+b=',
      x: '',
    });
    expect(parseForm(Buffer.from('a=1&a=2&a=3'))).toEqual({ a: ['1', '2', '3'] });
    expect(parseForm(Buffer.from(''))).toEqual({});
    const poisoned = parseForm(Buffer.from('__proto__=x'));
    expect(Object.getPrototypeOf(poisoned)).toBe(Object.prototype);
    expect(Object.keys(poisoned)).toEqual(['__proto__']);
  });

  it('refuses invalid UTF-8, raw or percent-encoded, and malformed escapes instead of decoding U+FFFD', () => {
    expect(refusal('report=%ff')).toEqual([{ field: 'body', message: 'is not valid percent-encoded UTF-8' }]);
    expect(refusal('report=%E6%B8')).toEqual([{ field: 'body', message: 'is not valid percent-encoded UTF-8' }]);
    expect(refusal('report=%zz')).toEqual([{ field: 'body', message: 'is not valid percent-encoded UTF-8' }]);
    expect(refusal(Buffer.from([0x61, 0x3d, 0xe6, 0xb8]))).toEqual([{ field: 'body', message: 'is not valid UTF-8' }]);
  });

  it('refuses more than 16 fields, however many there are', () => {
    expect(refusal(Array.from({ length: 16 }, (_, i) => `k${i}=1`).join('&'))).toBeNull();
    expect(refusal(Array.from({ length: 17 }, (_, i) => `k${i}=1`).join('&'))).toEqual([
      { field: 'body', message: 'holds more than 16 fields' },
    ]);
    const started = Date.now();
    expect(refusal('a=1&'.repeat(150_000))).toEqual([{ field: 'body', message: 'holds more than 16 fields' }]);
    expect(Date.now() - started).toBeLessThan(100);
  });
});

describe('Problem.validation', () => {
  it('lists at most 100 errors and cuts echoed field names to 100 characters', () => {
    const many = Problem.validation(Array.from({ length: 20_000 }, (_, i) => ({ field: `k${i}`, message: 'bad' })));
    expect((many.extensions.errors as unknown[]).length).toBe(100);
    expect(many.detail).toMatch(/^Invalid: k0, k1, .*, k99 and 19900 more$/);
    const long = Problem.validation([{ field: 'x'.repeat(23_000_000), message: 'is not a known field' }]);
    expect(long.extensions.errors).toEqual([{ field: `${'x'.repeat(99)}…`, message: 'is not a known field' }]);
    expect(long.detail).toBe(`Invalid: ${'x'.repeat(99)}…`);
  });
});
