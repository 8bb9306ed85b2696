import type { JSONWebKeySet } from 'jose';
import type { EntityManager } from 'typeorm';
import type { CheckpointKeys } from '../../audit/checkpoint';

/** Every report-signing key's public half, retired or not, as /.well-known/jwks.json serves them. */
export const reportKeySet: CheckpointKeys = async (manager: EntityManager): Promise<JSONWebKeySet> => {
  const rows: { kid: string; x: string }[] = await manager.query(
    `SELECT kid, public_jwk->>'x' AS x FROM report_signing_keys ORDER BY retired_at DESC NULLS FIRST, created_at DESC, kid`,
  );
  return { keys: rows.map((r) => ({ kty: 'OKP', crv: 'Ed25519', x: r.x, kid: r.kid, alg: 'EdDSA', use: 'sig' })) };
};
