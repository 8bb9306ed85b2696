import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import type { EntityManager } from 'typeorm';
import type { ChainHead } from './audit.repository';

/** The protected header's `typ`: a checkpoint is not a credit report, though the same key signs both. */
export const CHECKPOINT_TYP = 'audit-checkpoint+json';

/** What a checkpoint signs: the chain's length and newest hash at a moment. */
export type CheckpointPayload = ChainHead & { at: string };

/**
 * The public keys a checkpoint may be signed with (the report-signing keys, as /.well-known/jwks.json
 * serves them). The disclosure module owns them; the CLI may pin its own set instead.
 */
export type CheckpointKeys = (manager: EntityManager) => Promise<JSONWebKeySet>;

export const CHECKPOINT_KEYS = Symbol('CHECKPOINT_KEYS');

/**
 * A checkpoint's JWS read and checked: its payload when an EdDSA signature of `keys` with typ
 * audit-checkpoint+json holds over `{length, head, at}`; 'forged' when it reads as a checkpoint but
 * no key of the set signed it so (alg none, another key, another typ); 'unreadable' otherwise.
 */
export async function readCheckpoint(
  jws: string,
  keys: JSONWebKeySet,
): Promise<{ payload: CheckpointPayload } | { payload: CheckpointPayload | null; problem: 'forged' | 'unreadable' }> {
  const claimed = payloadOf(jws);
  if (!claimed) return { payload: null, problem: 'unreadable' };
  try {
    if (decodeProtectedHeader(jws).typ !== CHECKPOINT_TYP) return { payload: claimed, problem: 'forged' };
    const { payload } = await compactVerify(jws, createLocalJWKSet(keys), { algorithms: ['EdDSA'] });
    const signed = parsePayload(new TextDecoder().decode(payload));
    return signed ? { payload: signed } : { payload: claimed, problem: 'forged' };
  } catch {
    return { payload: claimed, problem: 'forged' };
  }
}

/** What a JWS's payload claims, unchecked, or null when it does not read as `{length, head, at}`. */
function payloadOf(jws: string): CheckpointPayload | null {
  const parts = jws.split('.');
  if (parts.length !== 3) return null;
  try {
    return parsePayload(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

function parsePayload(text: string): CheckpointPayload | null {
  try {
    const { length, head, at } = JSON.parse(text) as Record<string, unknown>;
    const valid =
      Number.isSafeInteger(length) &&
      (length as number) >= 0 &&
      typeof head === 'string' &&
      /^[0-9a-f]{64}$/.test(head) &&
      typeof at === 'string';
    return valid ? { length: length as number, head: head as string, at: at as string } : null;
  } catch {
    return null;
  }
}
