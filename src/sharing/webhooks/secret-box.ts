import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';

const NONCE = 12;
const TAG = 16;

/** AES-256-GCM with a 32-byte key: nonce ‖ tag ‖ ciphertext. */
export function seal(key: Buffer, plain: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

export function open(key: Buffer, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
  decipher.setAuthTag(sealed.subarray(NONCE, NONCE + TAG));
  return Buffer.concat([decipher.update(sealed.subarray(NONCE + TAG)), decipher.final()]).toString('utf8');
}

/**
 * Webhook secrets at rest. A request must be signed with the raw secret, so it cannot be kept as
 * a hash: it is encrypted with a key from WEBHOOK_SECRET_KEY or, when that is unset, one generated
 * on first start and kept in `app_settings` (as the JWT secret is), so every replica agrees. The
 * generated key sits in the same database as the secrets; production should set the variable.
 */
@Injectable()
export class SecretBox implements OnModuleInit {
  private key!: Buffer;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const material = this.config.WEBHOOK_SECRET_KEY ?? (await this.storedKey());
    this.key = createHash('sha256').update(`webhook-secrets:${material}`).digest();
  }

  private async storedKey(): Promise<string> {
    await this.dataSource.query(
      `INSERT INTO app_settings (key, value) VALUES ('webhook_secret_key', $1) ON CONFLICT (key) DO NOTHING`,
      [randomBytes(48).toString('base64url')],
    );
    const [row] = await this.dataSource.query(`SELECT value FROM app_settings WHERE key = 'webhook_secret_key'`);
    return row.value;
  }

  seal(secret: string): Buffer {
    return seal(this.key, secret);
  }

  open(sealed: Buffer): string {
    return open(this.key, sealed);
  }
}
