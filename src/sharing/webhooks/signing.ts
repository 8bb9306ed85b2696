import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The prefix of a Standard Webhooks secret: `whsec_` and the base64 of the key's bytes. */
export const SECRET_PREFIX = 'whsec_';
/** Bytes of a secret the registry makes (`whsec_` + 44 base64 characters). */
const GENERATED_BYTES = 32;
/** Bounds on the key bytes of a `whsec_` secret a caller brings. */
export const STANDARD_KEY_BYTES = { min: 24, max: 64 } as const;

/** A new secret in the Standard Webhooks form, which `new Webhook(secret)` takes as it is. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(GENERATED_BYTES).toString('base64');
}

/** The key bytes of a `whsec_<base64>` secret; undefined when the text after the prefix is not canonical base64. */
function standardKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 && key.toString('base64') === encoded ? key : undefined;
}

/** Whether a caller's `whsec_` secret holds between 24 and 64 bytes of canonical base64 (other secrets are taken as text). */
export function isWellFormedStandardSecret(secret: string): boolean {
  const key = standardKey(secret);
  return !!key && key.length >= STANDARD_KEY_BYTES.min && key.length <= STANDARD_KEY_BYTES.max;
}

/**
 * The HMAC key a secret stands for in `webhook-signature`: the decoded bytes of a `whsec_` secret
 * (what `new Webhook(secret)` uses), or else the UTF-8 bytes of the text, for secrets chosen before
 * the Standard Webhooks headers (a receiver verifies those with
 * `new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' })`).
 */
export function signingKey(secret: string): Buffer {
  return standardKey(secret) ?? Buffer.from(secret, 'utf8');
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-id` (the same on every attempt of a
 * delivery), `webhook-timestamp` (unix seconds of this attempt) and `webhook-signature`, one
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret that signs now, space-separated.
 */
export function standardHeaders(
  id: string,
  at: Date,
  body: string,
  secrets: readonly string[],
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  const signatures = secrets.map((secret) => new Webhook(signingKey(secret), { format: 'raw' }).sign(id, at, body));
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
