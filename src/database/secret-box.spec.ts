import { open, seal, sealingKey } from './secret-box';

describe('secret box', () => {
  const key = sealingKey('test', 'a material of at least thirty-two characters');

  it('opens what it sealed, and seals the same text differently each time', () => {
    const a = seal(key, '{"d":"secret"}', 'kid-1');
    expect(open(key, a, 'kid-1')).toBe('{"d":"secret"}');
    expect(seal(key, '{"d":"secret"}', 'kid-1').equals(a)).toBe(false);
    expect(a.includes(Buffer.from('secret'))).toBe(false);
  });

  it('refuses another key, another context, or a changed byte', () => {
    const sealed = seal(key, 'plain', 'kid-1');
    expect(() => open(sealingKey('other', 'a material of at least thirty-two characters'), sealed, 'kid-1')).toThrow();
    expect(() => open(key, sealed, 'kid-2')).toThrow();
    const changed = Buffer.from(sealed);
    changed[changed.length - 1] ^= 1;
    expect(() => open(key, changed, 'kid-1')).toThrow();
  });
});
