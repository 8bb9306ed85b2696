import { Injectable, Logger } from '@nestjs/common';
import { CompactSign } from 'jose';
import { AuditService, CheckpointPayload } from '../../audit/audit.service';
import { CHECKPOINT_TYP } from '../../audit/checkpoint';
import { AuditCheckpointDto } from '../../audit/dto/audit.dto';
import { Clock } from '../../common/clock';
import { REPORT_ALG, ReportKeysService } from '../reports/report-keys.service';

/**
 * Signed checkpoints of the audit chain: `{length, head, at}` as a compact JWS with the
 * report-signing key, so anyone can check one with the published JWKS, keep it, and later see
 * whether the chain up to it is still there unchanged (`GET /api/v1/audit/verify` and
 * `npm run audit:verify` check the chain against every stored checkpoint).
 */
@Injectable()
export class AuditCheckpointsService {
  private readonly logger = new Logger(AuditCheckpointsService.name);

  constructor(
    private readonly audit: AuditService,
    private readonly keys: ReportKeysService,
    private readonly clock: Clock,
  ) {}

  async take(): Promise<AuditCheckpointDto> {
    const head = await this.audit.head();
    const payload: CheckpointPayload = { ...head, at: this.clock.now().toISOString() };
    const key = await this.keys.current();
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: REPORT_ALG, kid: key.kid, typ: CHECKPOINT_TYP })
      .sign(key.privateKey);
    const checkpoint = await this.audit.storeCheckpoint(payload, key.kid, jws);
    this.logger.log(`audit checkpoint: length ${head.length}, head ${head.head}`);
    return checkpoint;
  }
}
