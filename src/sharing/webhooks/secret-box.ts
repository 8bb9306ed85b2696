import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { generatedSetting, open, seal, sealingKey } from '../../database/secret-box';
import { AppConfig } from '../../config/app-config';

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
    const material =
      this.config.WEBHOOK_SECRET_KEY ?? (await generatedSetting(this.dataSource, 'webhook_secret_key')).value;
    this.key = sealingKey('webhook-secrets', material);
  }

  seal(secret: string): Buffer {
    return seal(this.key, secret);
  }

  open(sealed: Buffer): string {
    return open(this.key, sealed);
  }
}
