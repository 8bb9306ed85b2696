import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, JWK, KeyLike } from 'jose';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, systemActor } from '../../access/actor';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock';
import { Problem } from '../../common/problem';
import { generatedSetting, open, seal, sealingKey } from '../../database/secret-box';
import { AppConfig, ConfigError } from '../../config/app-config';
import { JsonWebKeySetDto, RotatedKeyDto } from './dto/report.dto';
import { CurrentKeyRow, ReportKeysRepository } from './report-keys.repository';

export const REPORT_ALG = 'EdDSA';

export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
}

/** The public half of an Ed25519 key as JWKS publishes it. */
function publicJwk(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}

/**
 * The keys that sign credit reports. The current key is REPORT_SIGNING_KEY when set; otherwise a
 * key generated on first use and kept in `report_signing_keys`, its private half sealed with
 * AES-256-GCM under REPORT_KEY_SECRET (or, when unset, a key generated into `app_settings`).
 * Every key that ever signed stays in the table with its public half, retired or not, so reports
 * signed before a rotation still verify. A key's id is its RFC 7638 thumbprint.
 */
@Injectable()
export class ReportKeysService implements OnModuleInit {
  private readonly logger = new Logger(ReportKeysService.name);
  private sealing!: Buffer;
  /** The key from REPORT_SIGNING_KEY, when one is configured. */
  private configured: SigningKey | null = null;
  private readonly privateKeys = new Map<string, KeyLike>();
  private readonly publicKeys = new Map<string, KeyLike>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly keys: ReportKeysRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    let material = this.config.REPORT_KEY_SECRET;
    if (!material) {
      const setting = await generatedSetting(this.dataSource, 'report_key_secret');
      material = setting.value;
      if (!this.config.REPORT_SIGNING_KEY) {
        this.logger.warn(
          `REPORT_KEY_SECRET is unset: the report-signing key is sealed with a secret ${setting.created ? 'generated now and ' : ''}kept in the database beside it, so whoever can read the database can sign credit reports and audit checkpoints, and the checkpoints prove nothing against someone who can also write it; set REPORT_KEY_SECRET (or REPORT_SIGNING_KEY) from outside the database in production`,
        );
      }
    }
    this.sealing = sealingKey('report-signing-keys', material);
    if (this.config.REPORT_SIGNING_KEY) {
      this.configured = await this.adoptConfigured(this.config.REPORT_SIGNING_KEY);
    } else {
      // Fails start-up when the stored key cannot be opened (REPORT_KEY_SECRET changed).
      await this.current();
    }
  }

  /** The key that signs now: the configured one, or the stored current one (generated when there is none). */
  async current(): Promise<SigningKey> {
    if (this.configured) return this.configured;
    const row = await this.keys.current();
    if (row?.private_key_encrypted) return { kid: row.kid, privateKey: await this.privateKey(row) };
    return this.dataSource.transaction(async (manager) => {
      await this.keys.lock(manager);
      const again = await this.keys.current(manager);
      if (again?.private_key_encrypted) return { kid: again.kid, privateKey: await this.privateKey(again) };
      // None yet, or a configured key that is configured no more: it retires.
      await this.keys.retireCurrent(manager, this.clock.now());
      return this.generate(manager);
    });
  }

  /** Retires the current key (it stays published) and makes a new one; refused when the key comes from config. */
  async rotate(actor: Actor): Promise<RotatedKeyDto> {
    if (this.configured) {
      throw Problem.conflict('report-key-configured', {
        en: 'The report signing key comes from REPORT_SIGNING_KEY: change the variable to rotate it',
        zh: '报告签名密钥来自 REPORT_SIGNING_KEY，更换密钥请修改该变量',
      });
    }
    return this.dataSource.transaction(async (manager) => {
      await this.keys.lock(manager);
      const now = this.clock.now();
      const retiredKid = await this.keys.retireCurrent(manager, now);
      const key = await this.generate(manager, actor, retiredKid);
      return { kid: key.kid, createdAt: now, retiredKid };
    });
  }

  /** Every key that ever signed a report, current first, then by age. */
  async jwks(): Promise<JsonWebKeySetDto> {
    return (await this.keys.keySet()) as JsonWebKeySetDto;
  }

  /** The public key with this id, current or retired; null when we never had it. */
  async publicKey(kid: string): Promise<KeyLike | null> {
    const known = this.publicKeys.get(kid);
    if (known) return known;
    const jwk = await this.keys.publicJwk(kid);
    if (!jwk) return null;
    const key = (await importJWK(jwk, REPORT_ALG)) as KeyLike;
    this.publicKeys.set(kid, key);
    return key;
  }

  /**
   * A new current key, audited (by the administrator who rotated, or by the system for the first
   * key): verification compares every key's public half with its entry, and flags a key with none.
   */
  private async generate(
    manager: EntityManager,
    rotatedBy?: Actor,
    retiredKid: string | null = null,
  ): Promise<SigningKey> {
    const { privateKey } = await generateKeyPair<KeyLike>(REPORT_ALG, { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk(jwk));
    await this.keys.insert(manager, {
      kid,
      publicJwk: publicJwk(jwk),
      privateKeyEncrypted: seal(this.sealing, JSON.stringify(jwk), kid),
      createdAt: this.clock.now(),
    });
    await this.audit.record(manager, rotatedBy ?? systemActor('report-key'), {
      action: rotatedBy ? 'report-key.rotate' : 'report-key.generate',
      entityType: 'report-key',
      entityId: kid,
      before: retiredKid ? { kid: retiredKid } : undefined,
      after: { kid, publicJwk: publicJwk(jwk) },
    });
    this.privateKeys.set(kid, privateKey);
    this.logger.log(`Report signing key ${kid} created${retiredKid ? `; ${retiredKid} retired` : ''}`);
    return { kid, privateKey };
  }

  private async privateKey(row: CurrentKeyRow): Promise<KeyLike> {
    const known = this.privateKeys.get(row.kid);
    if (known) return known;
    let jwk: JWK;
    try {
      jwk = JSON.parse(open(this.sealing, row.private_key_encrypted!, row.kid));
    } catch {
      throw new ConfigError(
        `The report signing key ${row.kid} cannot be opened: REPORT_KEY_SECRET is not the one it was sealed with`,
      );
    }
    const key = (await importJWK(jwk, REPORT_ALG)) as KeyLike;
    this.privateKeys.set(row.kid, key);
    return key;
  }

  /**
   * Reads REPORT_SIGNING_KEY and makes it the current key in the table (public half only), so its
   * reports verify after it is replaced; whatever key was current before retires.
   */
  private async adoptConfigured(text: string): Promise<SigningKey> {
    let privateKey: KeyLike;
    let jwk: JWK;
    try {
      const trimmed = text.trim();
      privateKey = trimmed.startsWith('{')
        ? ((await importJWK(JSON.parse(trimmed), REPORT_ALG)) as KeyLike)
        : await importPKCS8(trimmed.replace(/\\n/g, '\n'), REPORT_ALG, { extractable: true });
      jwk = await exportJWK(privateKey);
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d) throw new Error('not an Ed25519 private key');
    } catch (error) {
      throw new ConfigError(
        `REPORT_SIGNING_KEY=(hidden): must be an Ed25519 private key as a JWK or PKCS#8 PEM (${(error as Error).message})`,
      );
    }
    const kid = await calculateJwkThumbprint(publicJwk(jwk));
    await this.dataSource.transaction(async (manager) => {
      await this.keys.lock(manager);
      const mine = await this.keys.state(manager, kid);
      if (mine && !mine.retired) return;
      await this.keys.retireCurrent(manager, this.clock.now());
      if (mine) {
        await this.keys.reinstate(manager, kid);
      } else {
        await this.keys.insert(manager, {
          kid,
          publicJwk: publicJwk(jwk),
          privateKeyEncrypted: null,
          createdAt: this.clock.now(),
        });
      }
      await this.audit.record(manager, systemActor('REPORT_SIGNING_KEY'), {
        action: 'report-key.configure',
        entityType: 'report-key',
        entityId: kid,
        after: { kid, publicJwk: publicJwk(jwk) },
      });
    });
    return { kid, privateKey };
  }
}
