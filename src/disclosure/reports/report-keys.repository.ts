import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JSONWebKeySet, JWK } from 'jose';
import { DataSource, EntityManager } from 'typeorm';

/** Any fixed number: replicas generating or rotating the signing key queue on it. */
const KEY_LOCK = 7_330_380;

/** The current key's row (a key adopted from REPORT_SIGNING_KEY has no sealed private half). */
export interface CurrentKeyRow {
  kid: string;
  private_key_encrypted: Buffer | null;
}

/**
 * `report_signing_keys`: every key that ever signed a report or a checkpoint, its public half,
 * its sealed private half when the application made it, and when it retired. The statements that
 * take part in a rotation take the transaction's manager.
 */
@Injectable()
export class ReportKeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Every key's public half, retired or not, current first, then newest first, as
   * /.well-known/jwks.json serves them. Static, so the audit module's checkpoint verification
   * (in the CLI too, without the application) reads the same set.
   */
  static async keySet(manager: EntityManager): Promise<JSONWebKeySet> {
    const rows: { kid: string; x: string }[] = await manager.query(
      `SELECT kid, public_jwk->>'x' AS x FROM report_signing_keys ORDER BY retired_at DESC NULLS FIRST, created_at DESC, kid`,
    );
    return { keys: rows.map((r) => ({ kty: 'OKP', crv: 'Ed25519', x: r.x, kid: r.kid, alg: 'EdDSA', use: 'sig' })) };
  }

  /** The public halves of the keys with these ids that exist, by id (for audit verification). */
  static async publicHalves(manager: EntityManager, kids: string[]): Promise<Map<string, JWK>> {
    const rows: { kid: string; public_jwk: JWK }[] = await manager.query(
      `SELECT kid, public_jwk FROM report_signing_keys WHERE kid = ANY($1::text[])`,
      [kids],
    );
    return new Map(rows.map((r) => [r.kid, r.public_jwk]));
  }

  keySet(): Promise<JSONWebKeySet> {
    return ReportKeysRepository.keySet(this.db.manager);
  }

  /** Queues the transaction behind any other that generates or rotates a key. */
  async lock(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock($1)`, [KEY_LOCK]);
  }

  /** The public half of the key with this id, current or retired. */
  async publicJwk(kid: string): Promise<JWK | undefined> {
    const [row]: { public_jwk: JWK }[] = await this.db.query(
      `SELECT public_jwk FROM report_signing_keys WHERE kid = $1`,
      [kid],
    );
    return row?.public_jwk;
  }

  async current(manager: EntityManager = this.db.manager): Promise<CurrentKeyRow | undefined> {
    const [row]: CurrentKeyRow[] = await manager.query(
      `SELECT kid, private_key_encrypted FROM report_signing_keys WHERE retired_at IS NULL`,
    );
    return row;
  }

  /** Whether the key with this id is stored, and if so whether it is retired. */
  async state(manager: EntityManager, kid: string): Promise<{ retired: boolean } | undefined> {
    const [row]: { retired_at: Date | null }[] = await manager.query(
      `SELECT retired_at FROM report_signing_keys WHERE kid = $1`,
      [kid],
    );
    return row && { retired: row.retired_at !== null };
  }

  /** Retires the current key, if there is one, at `at`; its kid, or null. */
  async retireCurrent(manager: EntityManager, at: Date): Promise<string | null> {
    const [[retired]]: [{ kid: string }[], number] = await manager.query(
      `UPDATE report_signing_keys SET retired_at = $1 WHERE retired_at IS NULL RETURNING kid`,
      [at],
    );
    return retired?.kid ?? null;
  }

  /** A new current key: its public half, and its private half sealed (null for a configured key). */
  async insert(
    manager: EntityManager,
    key: { kid: string; publicJwk: JWK; privateKeyEncrypted: Buffer | null; createdAt: Date },
  ): Promise<void> {
    if (key.privateKeyEncrypted) {
      await manager.query(
        `INSERT INTO report_signing_keys (kid, public_jwk, private_key_encrypted, created_at) VALUES ($1, $2, $3, $4)`,
        [key.kid, key.publicJwk, key.privateKeyEncrypted, key.createdAt],
      );
    } else {
      await manager.query(`INSERT INTO report_signing_keys (kid, public_jwk, created_at) VALUES ($1, $2, $3)`, [
        key.kid,
        key.publicJwk,
        key.createdAt,
      ]);
    }
  }

  /** Makes a stored, retired key current again. */
  async reinstate(manager: EntityManager, kid: string): Promise<void> {
    await manager.query(`UPDATE report_signing_keys SET retired_at = NULL WHERE kid = $1`, [kid]);
  }
}
