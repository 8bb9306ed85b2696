import { createHmac } from 'node:crypto';
import { isPublicAddress } from './address-guard';
import { givesUp, retryDelay, signature } from './delivery-rules';
import { open, seal } from '../../database/secret-box';

describe('webhook delivery rules', () => {
  it('signs the raw body with HMAC-SHA256 as sha256=<hex>', () => {
    const body = '{"id":"e","seq":1}';
    expect(signature(body, 'a-secret-of-enough-length')).toBe(
      `sha256=${createHmac('sha256', 'a-secret-of-enough-length').update(body).digest('hex')}`,
    );
    expect(signature(body, 'another-secret-entirely')).not.toBe(signature(body, 'a-secret-of-enough-length'));
  });

  it('backs off exponentially with jitter between half and all of the step, capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 10_000, () => 1))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect([1, 2, 3].map((n) => retryDelay(n, 10_000, () => 0))).toEqual([5_000, 10_000, 20_000]);
    expect(retryDelay(40, 10_000, () => 1)).toBe(3_600_000);
    // From 10 s, the attempts of a receiver that never answers span the day in about 30 tries.
    let elapsed = 0;
    let tries = 1;
    while (!givesUp(new Date(0), new Date(elapsed), 24 * 3_600_000)) elapsed += retryDelay(tries++, 10_000, () => 1);
    expect(tries).toBeGreaterThan(20);
    expect(tries).toBeLessThan(40);
  });

  it('gives up once the window since the first attempt has passed', () => {
    const first = new Date('2026-03-01T00:00:00Z');
    expect(givesUp(first, new Date('2026-03-01T23:59:59Z'), 86_400_000)).toBe(false);
    expect(givesUp(first, new Date('2026-03-02T00:00:00Z'), 86_400_000)).toBe(true);
  });

  it.each([
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    // IPv6 forms carrying a private IPv4 address: compatible, mapped, SIIT, NAT64, 6to4.
    ['::127.0.0.1', false],
    ['::7f00:1', false],
    ['::a9fe:a9fe', false],
    ['::a00:1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:0:a00:1', false],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::a9fe:a9fe', false],
    ['64:ff9b:1::a00:1', false],
    ['2002:7f00:1::1', false],
    ['2002:a9fe:a9fe::', false],
    ['2002:c0a8:101::1', false],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false], // Teredo
    ['::', false],
    ['not-an-address', false],
    ['8.8.8.8', true],
    ['115.239.210.27', true],
    ['2400:3200::1', true],
    ['::ffff:8.8.8.8', true],
    ['::8.8.8.8', true],
    ['64:ff9b::808:808', true],
    ['2002:808:808::1', true],
  ])('address %s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('seals secrets so only the key opens them, and tampering is detected', () => {
    const key = Buffer.alloc(32, 7);
    const sealed = seal(key, 'the-subscription-secret');
    expect(sealed.toString('utf8')).not.toContain('the-subscription-secret');
    expect(open(key, sealed)).toBe('the-subscription-secret');
    expect(() => open(Buffer.alloc(32, 8), sealed)).toThrow();
    sealed[sealed.length - 1] ^= 1;
    expect(() => open(key, sealed)).toThrow();
  });
});
