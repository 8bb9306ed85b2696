import { createHash } from 'node:crypto';

const digests = new WeakMap<object, Buffer>();

export const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();

/** The SHA-256 of a request's raw body, noted by the body parser when a request may need it (Idempotency-Key). */
export function noteBodyDigest(request: object, body: Buffer): void {
  digests.set(request, sha256(body));
}

/** The SHA-256 of the request's raw body as it was received; of no bytes when it had none. */
export function bodyDigest(request: object): Buffer {
  return digests.get(request) ?? sha256(Buffer.alloc(0));
}
