import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module';
import { CorrectionsRepository } from './corrections.repository';
import { CorrectionsService } from './corrections.service';

@Module({
  imports: [AuditModule],
  providers: [CorrectionsRepository, CorrectionsService],
  exports: [CorrectionsService],
})
export class CorrectionsModule {}
