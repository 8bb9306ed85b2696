import { jsonDiff } from './json-diff';

describe('jsonDiff', () => {
  it('lists changed, added and removed values with their JSON pointers', () => {
    const before = { name: 'v1', thresholds: { A: 90, B: 75 }, records: { a: { cap: 1 } }, rules: [{ code: 'x' }] };
    const after = {
      name: 'v1',
      thresholds: { A: 92, B: 75 },
      records: {},
      rules: [{ code: 'y' }, { code: 'z' }],
      n: 1,
    };
    expect(jsonDiff(before, after)).toEqual([
      { kind: 'changed', path: '/thresholds/A', before: '90', after: '92' },
      { kind: 'removed', path: '/records/a', before: '{"cap":1}' },
      { kind: 'changed', path: '/rules/0/code', before: '"x"', after: '"y"' },
      { kind: 'added', path: '/rules/1', after: '{"code":"z"}' },
      { kind: 'added', path: '/n', after: '1' },
    ]);
  });

  it('finds nothing between equal documents, and escapes pointer segments', () => {
    expect(jsonDiff({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
    expect(jsonDiff({ 'a/b': 1 }, { 'a/b': 2 })).toEqual([{ kind: 'changed', path: '/a~1b', before: '1', after: '2' }]);
    expect(jsonDiff({ a: 1 }, { a: { b: 1 } })).toEqual([
      { kind: 'changed', path: '/a', before: '1', after: '{"b":1}' },
    ]);
  });
});
