import { parseQueryString } from './query-string';

describe('parseQueryString', () => {
  it('reads a query as Fastify did: repeated keys as arrays, + as a space, a bare key as empty', () => {
    expect({ ...parseQueryString('q=%E6%B8%A9%E5%B7%9E+x&a=1&a=2&a=3&flag&=v&&') }).toEqual({
      q: '温州 x',
      a: ['1', '2', '3'],
      flag: '',
      '': 'v',
    });
    expect(Object.getPrototypeOf(parseQueryString('constructor=1'))).toBeNull();
  });

  it('marks, rather than throws on, the first parameter that is not percent-encoded UTF-8', () => {
    for (const text of ['q=%E4%B8', 'q=%F8%88%80%80%80', 'q=%C0%AF', 'q=%ED%A0%80', 'q=100%', 'q=%zz']) {
      const parsed = parseQueryString(`ok=1&${text}`);
      expect(parsed.ok).toBe('1');
      expect(parsed.q).toBeUndefined();
      expect(Object.getOwnPropertySymbols(parsed).map((s) => (parsed as Record<symbol, string>)[s])).toEqual(['q']);
    }
    const badKey = parseQueryString('%FF=1');
    expect(Object.getOwnPropertySymbols(badKey).map((s) => (badKey as Record<symbol, string>)[s])).toEqual(['query']);
  });
});
