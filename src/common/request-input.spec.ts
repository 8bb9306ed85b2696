import { jsonDepth, nulBytePath } from './request-input';

const depth = (text: string, limit = 32) => jsonDepth(Buffer.from(text), limit);

describe('jsonDepth', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(depth('1')).toBe(0);
    expect(depth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(depth('{"a":"[[[[{{{{"}')).toBe(1);
    expect(depth('["\\"[[[", "x\\\\", [[]]]')).toBe(3);
    expect(depth('{"名称":"【温州】"}')).toBe(1);
  });

  it('stops as soon as the limit is passed', () => {
    expect(depth('['.repeat(1_000_000), 32)).toBe(33);
  });
});

describe('nulBytePath', () => {
  it('names the first field holding a NUL', () => {
    expect(nulBytePath({ a: 'x', b: [{ c: 'ok' }, { c: 'y\u0000' }] }, '')).toBe('b[1].c');
    expect(nulBytePath({ a: 'x', b: [1, null] }, 'body')).toBeNull();
    expect(nulBytePath('a\u0000', 'body')).toBe('body');
  });
});
