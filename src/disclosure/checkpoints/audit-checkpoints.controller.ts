import { Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../../audit/audit.service';
import { AuditCheckpointDto } from '../../audit/dto/audit.dto';
import { ApiPage, Page, PageQuery } from '../../common/pagination';
import { Access } from '../../access/access.decorator';
import { AuditCheckpointsService } from './audit-checkpoints.service';

@ApiTags('Public')
@Controller('api/v1/public/audit')
export class PublicAuditCheckpointsController {
  constructor(private readonly audit: AuditService) {}

  @Get('checkpoints')
  @Access('public')
  @ApiOperation({
    operationId: 'listPublicAuditCheckpoints',
    summary:
      'Signed checkpoints of the audit chain, newest first: JWS (report key, see /.well-known/jwks.json) over {length, head, at}',
  })
  @ApiPage(AuditCheckpointDto)
  list(@Query() query: PageQuery): Promise<Page<AuditCheckpointDto>> {
    return this.audit.checkpoints(query);
  }
}

@ApiTags('Audit and operations')
@Controller('api/v1/audit')
export class AuditCheckpointsController {
  constructor(private readonly checkpoints: AuditCheckpointsService) {}

  @Post('checkpoints')
  @Access('admin')
  @ApiOperation({
    operationId: 'createAuditCheckpoint',
    summary: 'Sign and publish a checkpoint of the audit chain now (one is also made every day)',
  })
  @ApiCreatedResponse({ type: AuditCheckpointDto })
  take(): Promise<AuditCheckpointDto> {
    return this.checkpoints.take();
  }
}
