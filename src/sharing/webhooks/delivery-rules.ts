import { createHmac } from 'node:crypto';

/**
 * `X-Signature`: `sha256=` and the hex HMAC-SHA256 of the raw body with the subscription's secret
 * (its text as UTF-8, whatever its form).
 *
 * @deprecated Kept for one release beside the Standard Webhooks headers (signing.ts), which also
 * cover the id and time and carry both secrets during a rotation's overlap; this one carries the
 * current secret only.
 */
export function signature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Delay before retry number `failures` (1 after the first failure): `base` doubling each time,
 * capped at an hour, and spread by "full jitter" between half and all of it, so receivers that
 * come back are not hit by every sender at once.
 */
export function retryDelay(failures: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** Math.min(failures - 1, 30), 3_600_000);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A delivery that still fails `windowMs` after its first attempt is dead-lettered, not retried. */
export function givesUp(firstAttemptAt: Date, now: Date, windowMs: number): boolean {
  return now.getTime() - firstAttemptAt.getTime() >= windowMs;
}
