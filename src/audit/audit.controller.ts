import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, Page } from '../common/pagination';
import { Access } from '../access/access.decorator';
import { AuditService } from './audit.service';
import { AuditEventDto, AuditQuery, AuditVerificationDto } from './dto/audit.dto';

@ApiTags('Audit and operations')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events')
  @Access('admin')
  @ApiOperation({ operationId: 'listAuditEvents', summary: 'The write log, newest first, filtered' })
  @ApiPage(AuditEventDto)
  events(@Query() query: AuditQuery): Promise<Page<AuditEventDto>> {
    return this.audit.list(query);
  }

  @Get('verify')
  @Access('admin')
  @ApiOperation({
    operationId: 'verifyAuditChain',
    summary: 'Recompute the hash chain and report the first broken row',
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  verify(): Promise<AuditVerificationDto> {
    return this.audit.verify();
  }
}
