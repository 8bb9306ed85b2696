import { Webhook } from 'standardwebhooks';
import { isWellFormedStandardSecret, newSecret, signingKey, standardHeaders } from './signing';

describe('webhook signing (Standard Webhooks)', () => {
  const body = '{"id":"3f0c","seq":7,"type":"blacklist.published"}';
  const id = '3f0c6f7e-2f55-4a59-9d43-3b1b3c8c9a10';

  it('signs id.timestamp.body so that the standardwebhooks package verifies a generated whsec_ secret', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = standardHeaders(id, new Date(), body, [secret]);
    expect(headers['webhook-id']).toBe(id);
    expect(headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with a text secret chosen before whsec_ as its UTF-8 bytes (raw format)', () => {
    const secret = 'bank-webhook-secret-0123456789';
    const headers = standardHeaders(id, new Date(), body, [secret]);
    expect(() => new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' }).verify(body, headers)).not.toThrow();
    expect(signingKey(secret).toString('utf8')).toBe(secret);
  });

  it('puts one v1 signature per secret, each verifying alone, and no other secret verifies', () => {
    const [older, newer] = [newSecret(), newSecret()];
    const headers = standardHeaders(id, new Date(), body, [newer, older]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [older, newer]) expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow('No matching signature found');
  });

  it('is refused by receivers outside their five-minute tolerance, and when the body changes', () => {
    const secret = newSecret();
    const old = standardHeaders(id, new Date(Date.now() - 6 * 60_000), body, [secret]);
    expect(() => new Webhook(secret).verify(body, old)).toThrow('Message timestamp too old');
    const now = standardHeaders(id, new Date(), body, [secret]);
    expect(() => new Webhook(secret).verify(body.replace('7', '8'), now)).toThrow('No matching signature found');
  });

  it('takes a whsec_ secret only with 24 to 64 bytes of canonical base64', () => {
    expect(isWellFormedStandardSecret(newSecret())).toBe(true);
    expect(isWellFormedStandardSecret(`whsec_${Buffer.alloc(16).toString('base64')}`)).toBe(false);
    expect(isWellFormedStandardSecret(`whsec_${Buffer.alloc(65).toString('base64')}`)).toBe(false);
    expect(isWellFormedStandardSecret('whsec_not base64!')).toBe(false);
    expect(isWellFormedStandardSecret('plain-text-secret-long-enough')).toBe(false);
  });
});
