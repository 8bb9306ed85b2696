import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createValidationPipe } from '../common/validation';
import { ApiPage, Page } from '../common/pagination';
import { Problem } from '../common/problem';
import { Access } from '../access/access.decorator';
import { Caller, CurrentCaller } from '../access/caller';
import { BlacklistReads } from './blacklist-reads.repository';
import { BlacklistService } from './blacklist.service';
import { sendEvidence } from './evidence/evidence-download';
import { EVIDENCE_FIELD, EvidenceStore, MAX_EVIDENCE_FILES, StagedFile } from './evidence/evidence-store';
import {
  BlacklistEntryDto,
  BlacklistEntrySummaryDto,
  CreateBlacklistEntryDto,
  DecisionDto,
  EnterpriseBlacklistQuery,
  ListBlacklistQuery,
  MoveDto,
  ObjectionDecisionDto,
  ObjectionDto,
  ObjectionViewDto,
  ReasonDto,
  RepairApplicationDto,
  RepairApplicationViewDto,
  RepairDecisionDto,
  RevocationDto,
} from './dto/blacklist.dto';

const EntryId = () => ApiParam({ name: 'id', example: '12' });
const Moved = () => ApiOkResponse({ type: BlacklistEntryDto, description: 'the entry after the move' });
const Illegal = () => ApiConflictResponse({ description: 'not allowed in the current state (named in `detail`)' });

@ApiTags('Blacklist')
@Controller('api/v1')
export class BlacklistController {
  constructor(
    private readonly blacklist: BlacklistService,
    private readonly reads: BlacklistReads,
    private readonly evidenceFiles: EvidenceStore,
  ) {}

  /**
   * A filing's multipart form: the files received and checked, the text fields validated as the
   * JSON route's DTO; a refusal leaves no file behind.
   */
  private async filingForm<T extends object>(
    request: FastifyRequest,
    dto: new () => T,
    fields: string[],
  ): Promise<{ value: T; files: StagedFile[]; fields: Record<string, string> }> {
    const upload = await this.evidenceFiles.receive(request, fields);
    if (upload.refusal) throw upload.refusal;
    const input = Object.fromEntries(
      Object.entries(upload.fields).filter(([name]) => name !== 'commitment' && upload.fields[name] !== ''),
    );
    try {
      const value = (await createValidationPipe().transform(input, { type: 'body', metatype: dto })) as T;
      return { value, files: upload.files, fields: upload.fields };
    } catch (error) {
      await this.evidenceFiles.discard(upload.files);
      throw error;
    }
  }

  @Get('blacklist-reasons')
  @Access('public')
  @ApiOperation({
    operationId: 'listBlacklistReasons',
    summary: 'The reasons for listing, with Chinese and English labels',
  })
  @ApiOkResponse({ type: [ReasonDto] })
  reasons(): Promise<ReasonDto[]> {
    return this.reads.reasons();
  }

  @Post('blacklist')
  @Access('regulator')
  @ApiOperation({
    operationId: 'proposeBlacklistEntry',
    summary:
      "Propose a listing; the district is the enterprise's, and a district-level regulator proposes in their district only",
  })
  @ApiCreatedResponse({ type: BlacklistEntryDto })
  propose(@Body() body: CreateBlacklistEntryDto, @CurrentCaller() caller: Caller): Promise<BlacklistEntryDto> {
    if (!caller.departmentCode)
      throw Problem.forbidden({
        en: 'Listings are proposed by a regulator of a department',
        zh: '列入须由部门的监管人员提出',
      });
    return this.blacklist.propose(body, caller, caller.departmentCode);
  }

  @Get('blacklist')
  @Access('regulator', 'reviewer', 'admin')
  @ApiOperation({
    operationId: 'listBlacklistEntries',
    summary: 'Entries in every state, newest first (a district-level official: their district)',
  })
  @ApiPage(BlacklistEntrySummaryDto)
  list(@Query() query: ListBlacklistQuery, @CurrentCaller() caller: Caller): Promise<Page<BlacklistEntrySummaryDto>> {
    return this.blacklist.list(query, caller);
  }

  @Get('enterprises/:uscc/blacklist')
  @Access('regulator', 'reviewer', 'admin', 'enterprise:own')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'listEnterpriseBlacklistEntries',
    summary: "An enterprise's entries with their deadlines; the enterprise sees those it has been given notice of",
  })
  @ApiPage(BlacklistEntrySummaryDto)
  listForEnterprise(
    @Param('uscc') uscc: string,
    @Query() query: EnterpriseBlacklistQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<BlacklistEntrySummaryDto>> {
    return this.blacklist.listForEnterprise(uscc, query, caller);
  }

  @Get('blacklist/:id')
  @Access('regulator', 'reviewer', 'admin', 'enterprise')
  @EntryId()
  @ApiOperation({
    operationId: 'getBlacklistEntry',
    summary: 'An entry with its objections, repair applications and every transition',
  })
  @ApiOkResponse({ type: BlacklistEntryDto })
  @ApiNotFoundResponse({ description: 'no such entry, or (for an enterprise) not its own' })
  findOne(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<BlacklistEntryDto> {
    return this.blacklist.findOne(id, caller);
  }

  @Get('blacklist/:id/evidence/:fileId')
  @Access('regulator', 'reviewer', 'admin', 'enterprise')
  @EntryId()
  @ApiParam({ name: 'fileId', type: String, format: 'uuid', example: '0b5e6c1e-4f0a-4a57-9a51-2d7f0f4f6c11' })
  @ApiOperation({
    operationId: 'getBlacklistEvidenceFile',
    summary:
      "An evidence file of one of the entry's objections or repair applications (listed in their `files`): to the enterprise concerned and to the officials who may see the entry",
  })
  @ApiProduces('application/pdf', 'image/jpeg', 'image/png')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'no such entry or file, or (for an enterprise) not its own' })
  async evidence(
    @Param('id') id: string,
    @Param('fileId') fileId: string,
    @CurrentCaller() caller: Caller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendEvidence(reply, await this.blacklist.evidenceFile(id, fileId, caller));
  }

  @Post('blacklist/:id/notice')
  @HttpCode(200)
  @Access('regulator')
  @EntryId()
  @ApiOperation({
    operationId: 'noticeBlacklistEntry',
    summary: 'Give the enterprise notice: → noticed, with objectionDeadline (OBJECTION_WORKING_DAYS)',
  })
  @Moved()
  @Illegal()
  notice(@Param('id') id: string, @Body() body: MoveDto, @CurrentCaller() caller: Caller): Promise<BlacklistEntryDto> {
    return this.blacklist.notice(id, body, caller);
  }

  @Post('blacklist/:id/objections')
  @Access('enterprise', 'regulator')
  @EntryId()
  @ApiOperation({
    operationId: 'createObjection',
    summary:
      'Object (陈述申辩): the enterprise concerned, or a regulator on its behalf; while noticed, before the deadline',
  })
  @ApiCreatedResponse({ type: ObjectionViewDto })
  @Illegal()
  object(
    @Param('id') id: string,
    @Body() body: ObjectionDto,
    @CurrentCaller() caller: Caller,
  ): Promise<ObjectionViewDto> {
    return this.blacklist.object(id, body, caller);
  }

  @Post('blacklist/:id/objections/with-evidence')
  @Access('enterprise', 'regulator')
  @EntryId()
  @ApiOperation({
    operationId: 'objectToBlacklistEntryWithEvidence',
    summary: `Object with evidence files (multipart): \`statement\` and up to ${MAX_EVIDENCE_FILES} files as \`${EVIDENCE_FIELD}\` (PDF, JPEG or PNG by their content, 10 MB each); otherwise as POST …/objections. A file refused (400 evidence-refused, 413 evidence-too-large) files nothing`,
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['statement'],
      properties: {
        statement: { type: 'string', example: '三次抽查中有一次样品并非本企业生产，申请复核' },
        [EVIDENCE_FIELD]: { type: 'array', maxItems: MAX_EVIDENCE_FILES, items: { type: 'string', format: 'binary' } },
      },
    },
  })
  @ApiCreatedResponse({ type: ObjectionViewDto })
  @Illegal()
  async objectWithEvidence(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ): Promise<ObjectionViewDto> {
    const form = await this.filingForm(request, ObjectionDto, ['statement']);
    return this.blacklist.object(id, form.value, caller, form.files);
  }

  @Post('blacklist/:id/objections/:objectionId/decision')
  @HttpCode(200)
  @Access('reviewer')
  @EntryId()
  @ApiParam({ name: 'objectionId', example: '3' })
  @ApiOperation({
    operationId: 'decideObjection',
    summary: 'Decide an objection; upheld ends the proposal as rejected',
  })
  @Moved()
  @Illegal()
  decideObjection(
    @Param('id') id: string,
    @Param('objectionId') objectionId: string,
    @Body() body: ObjectionDecisionDto,
    @CurrentCaller() caller: Caller,
  ): Promise<BlacklistEntryDto> {
    return this.blacklist.decideObjection(id, objectionId, body, caller);
  }

  @Post('blacklist/:id/decision')
  @HttpCode(200)
  @Access('reviewer')
  @EntryId()
  @ApiOperation({
    operationId: 'decideBlacklistEntry',
    summary: 'Approve or reject (a reviewer, not the proposer): only after the deadline, with no objection pending',
  })
  @Moved()
  @Illegal()
  decide(
    @Param('id') id: string,
    @Body() body: DecisionDto,
    @CurrentCaller() caller: Caller,
  ): Promise<BlacklistEntryDto> {
    return this.blacklist.decideProposal(id, body, caller);
  }

  @Post('blacklist/:id/publish')
  @HttpCode(200)
  @Access('regulator', 'reviewer')
  @EntryId()
  @ApiOperation({
    operationId: 'publishBlacklistEntry',
    summary: 'Publish an approved entry: publishedAt, earliestRepairDate and expiresAt are set',
  })
  @Moved()
  @Illegal()
  publish(@Param('id') id: string, @Body() body: MoveDto, @CurrentCaller() caller: Caller): Promise<BlacklistEntryDto> {
    return this.blacklist.publish(id, body, caller);
  }

  @Post('blacklist/:id/repair-applications')
  @Access('enterprise', 'regulator')
  @EntryId()
  @ApiOperation({
    operationId: 'createRepairApplication',
    summary:
      'Apply for credit repair (信用修复): the enterprise, or a regulator on its behalf; from earliestRepairDate',
  })
  @ApiCreatedResponse({ type: RepairApplicationViewDto })
  @Illegal()
  applyRepair(
    @Param('id') id: string,
    @Body() body: RepairApplicationDto,
    @CurrentCaller() caller: Caller,
  ): Promise<RepairApplicationViewDto> {
    return this.blacklist.applyRepair(id, body, caller);
  }

  @Post('blacklist/:id/repair-applications/with-evidence')
  @Access('enterprise', 'regulator')
  @EntryId()
  @ApiOperation({
    operationId: 'applyForCreditRepairWithEvidence',
    summary: `Apply for credit repair with evidence files (multipart): \`statement\`, optional \`evidence\`, \`commitment=accepted\` (required when the enterprise applies itself: it accepts the 信用修复承诺书), and up to ${MAX_EVIDENCE_FILES} files as \`${EVIDENCE_FIELD}\`; otherwise as POST …/repair-applications`,
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['statement'],
      properties: {
        statement: { type: 'string', example: '已全部召回问题批次并完成整改，申请信用修复' },
        evidence: { type: 'string', example: '整改报告及复检合格报告（编号 QC-2027-118）' },
        commitment: {
          type: 'string',
          enum: ['accepted'],
          description: 'required when the enterprise applies itself',
          example: 'accepted',
        },
        [EVIDENCE_FIELD]: { type: 'array', maxItems: MAX_EVIDENCE_FILES, items: { type: 'string', format: 'binary' } },
      },
    },
  })
  @ApiCreatedResponse({ type: RepairApplicationViewDto })
  @Illegal()
  async applyRepairWithEvidence(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ): Promise<RepairApplicationViewDto> {
    const form = await this.filingForm(request, RepairApplicationDto, ['statement', 'evidence', 'commitment']);
    // The enterprise applying itself accepts the 信用修复承诺书; a regulator filing on its behalf
    // may not be able to (the JSON route, API.md's, takes no commitment at all).
    const accepted = form.fields.commitment === 'accepted';
    if ((caller.role === 'enterprise' && !accepted) || (form.fields.commitment !== undefined && !accepted)) {
      await this.evidenceFiles.discard(form.files);
      throw Problem.validation([
        { field: 'commitment', message: 'must be "accepted": the enterprise accepts the 信用修复承诺书' },
      ]);
    }
    return this.blacklist.applyRepair(id, form.value, caller, {
      files: form.files,
      acceptedCommitment: accepted,
    });
  }

  @Post('blacklist/:id/repair-applications/:applicationId/decision')
  @HttpCode(200)
  @Access('reviewer')
  @EntryId()
  @ApiParam({ name: 'applicationId', example: '2' })
  @ApiOperation({
    operationId: 'decideRepairApplication',
    summary: 'Decide a repair application; granted removes the entry (removalReason "repaired")',
  })
  @Moved()
  @Illegal()
  decideRepair(
    @Param('id') id: string,
    @Param('applicationId') applicationId: string,
    @Body() body: RepairDecisionDto,
    @CurrentCaller() caller: Caller,
  ): Promise<BlacklistEntryDto> {
    return this.blacklist.decideRepair(id, applicationId, body, caller);
  }

  @Post('blacklist/:id/revocation')
  @HttpCode(200)
  @Access('reviewer')
  @EntryId()
  @ApiOperation({
    operationId: 'revokeBlacklistEntry',
    summary: 'Revoke a published entry: removed with removalReason "revoked"',
  })
  @Moved()
  @Illegal()
  revoke(
    @Param('id') id: string,
    @Body() body: RevocationDto,
    @CurrentCaller() caller: Caller,
  ): Promise<BlacklistEntryDto> {
    return this.blacklist.revoke(id, body, caller);
  }

  @Post('blacklist/:id/withdrawal')
  @HttpCode(200)
  @Access('regulator')
  @EntryId()
  @ApiOperation({
    operationId: 'withdrawBlacklistEntry',
    summary: 'Withdraw a proposal before publication (the proposer only)',
  })
  @Moved()
  @Illegal()
  withdraw(
    @Param('id') id: string,
    @Body() body: MoveDto,
    @CurrentCaller() caller: Caller,
  ): Promise<BlacklistEntryDto> {
    return this.blacklist.withdraw(id, body, caller);
  }
}
