import { exceededJsonLimit, nulBytePath } from './request-input';

const LIMITS = { depth: 32, containers: 1_000, values: 20_000 };
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
});

describe('nulBytePath', () => {
  it('names the first field holding a NUL', () => {
    expect(nulBytePath({ a: 'x', b: [{ c: 'ok' }, { c: 'y\u0000' }] }, '')).toBe('b[1].c');
    expect(nulBytePath({ a: 'x', b: [1, null] }, 'body')).toBeNull();
    expect(nulBytePath('a\u0000', 'body')).toBe('body');
  });
});
