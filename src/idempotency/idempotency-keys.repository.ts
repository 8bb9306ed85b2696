import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** How many expired keys (of anyone's) one claim deletes on its way: cleanup that costs each write little. */
const EXPIRED_PER_CLAIM = 100;

/** A request's answer as it was sent, to be sent again. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The row already holding a caller's key. */
export interface HeldKey {
  claimId: string;
  route: string;
  fingerprint: Buffer;
  createdAt: Date;
  answer: StoredAnswer | null;
}

export interface NewClaim {
  caller: string;
  key: string;
  claimId: string;
  route: string;
  fingerprint: Buffer;
  now: Date;
  expiresAt: Date;
}

/** idempotency_keys: one row per caller and Idempotency-Key, pending while the work runs, then its answer. */
@Injectable()
export class IdempotencyKeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Takes the key for this request: true when it was free (never used, expired, or its pending
   * claim older than `staleBefore`), false when a row holds it (read it with `held`). On its way
   * it deletes up to EXPIRED_PER_CLAIM expired rows, this caller's key first.
   */
  async claim(claim: NewClaim, staleBefore: Date): Promise<boolean> {
    const { caller, key, claimId, route, fingerprint, now, expiresAt } = claim;
    await this.db.query(
      `DELETE FROM idempotency_keys
        WHERE (caller = $1 AND key = $2 AND expires_at <= $3)
           OR ctid = ANY (ARRAY (SELECT ctid FROM idempotency_keys WHERE expires_at <= $3 LIMIT ${EXPIRED_PER_CLAIM}))`,
      [caller, key, now],
    );
    const rows: unknown[] = await this.db.query(
      `INSERT INTO idempotency_keys AS k (caller, key, claim_id, route, fingerprint, state, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)
       ON CONFLICT (caller, key) DO UPDATE
          SET claim_id = EXCLUDED.claim_id, route = EXCLUDED.route, fingerprint = EXCLUDED.fingerprint,
              created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
        WHERE k.state = 'pending' AND k.created_at < $8 AND k.fingerprint = EXCLUDED.fingerprint
       RETURNING 1`,
      [caller, key, claimId, route, fingerprint, now, expiresAt, staleBefore],
    );
    return rows.length === 1;
  }

  /** The row holding this caller's key, or null (released or expired since). */
  async held(caller: string, key: string, now: Date): Promise<HeldKey | null> {
    const [row] = (await this.db.query(
      `SELECT claim_id, route, fingerprint, created_at, state, status, headers, body
         FROM idempotency_keys WHERE caller = $1 AND key = $2 AND expires_at > $3`,
      [caller, key, now],
    )) as {
      claim_id: string;
      route: string;
      fingerprint: Buffer;
      created_at: Date;
      state: 'pending' | 'done';
      status: number | null;
      headers: Record<string, string> | null;
      body: Buffer | null;
    }[];
    if (!row) return null;
    return {
      claimId: row.claim_id,
      route: row.route,
      fingerprint: row.fingerprint,
      createdAt: row.created_at,
      answer:
        row.state === 'done'
          ? { status: row.status!, headers: row.headers ?? {}, body: row.body ?? Buffer.alloc(0) }
          : null,
    };
  }

  /** The claim's work answered: kept as the key's answer until the key expires. */
  async complete(caller: string, key: string, claimId: string, answer: StoredAnswer): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', status = $4, headers = $5, body = $6
        WHERE caller = $1 AND key = $2 AND claim_id = $3`,
      [caller, key, claimId, answer.status, JSON.stringify(answer.headers), answer.body],
    );
  }

  /** The claim's work was refused or failed: the key is free again, for a corrected or later request. */
  async release(caller: string, key: string, claimId: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2 AND claim_id = $3`, [
      caller,
      key,
      claimId,
    ]);
  }
}
