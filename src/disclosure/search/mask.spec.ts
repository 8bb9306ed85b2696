import { maskPersonName } from './mask';

describe('maskPersonName', () => {
  it.each([
    ['张三', '张*'],
    ['李小龙', '李**'],
    ['欧阳修文', '欧阳**'],
    ['司马懿', '司马*'],
    ['欧阳', '欧*'],
    ['王', '*'],
    ['  赵钱孙  ', '赵**'],
    ['𠮷野家', '𠮷**'],
    ['Smith', 'S****'],
  ])('%s → %s', (name, masked) => {
    expect(maskPersonName(name)).toBe(masked);
  });

  it('leaves an absent name absent', () => {
    expect(maskPersonName(null)).toBeNull();
  });
});
