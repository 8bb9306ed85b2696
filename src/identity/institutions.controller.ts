import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../access/actor';
import { Problem } from '../common/problem';
import { Access, CurrentPrincipal } from '../access/access.decorator';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  CreateInstitutionDto,
  CurrentKeyDto,
  InstitutionDto,
} from './dto/institution.dto';
import { InstitutionsService } from './institutions.service';
import { API_SCOPES, Principal } from '../access/principal';
import { UuidParam, uuidId } from '../common/validation';

const ANY_SCOPE = API_SCOPES.map((s) => `scope:${s}` as const);

@ApiTags('Administration')
@Controller('api/v1')
export class InstitutionsController {
  constructor(
    private readonly institutions: InstitutionsService,
    private readonly keys: ApiKeysService,
  ) {}

  @Post('institutions')
  @Access('admin')
  @ApiOperation({
    operationId: 'createInstitution',
    summary: 'Register a bank (under PBOC) or a tax office (under a tax department)',
  })
  @ApiCreatedResponse({ type: InstitutionDto })
  create(@Body() body: CreateInstitutionDto, @CurrentActor() actor: Actor): Promise<InstitutionDto> {
    return this.institutions.create(body, actor);
  }

  @Get('institutions')
  @Access('admin')
  @ApiOperation({ operationId: 'listInstitutions', summary: 'List institutions' })
  @ApiOkResponse({ type: [InstitutionDto] })
  list(): Promise<InstitutionDto[]> {
    return this.institutions.list();
  }

  @Get('institutions/:id')
  @UuidParam('5f0c2a9e-8d4b-4f61-9a7e-3c1b2d4e6f80')
  @Access('admin')
  @ApiOperation({ operationId: 'getInstitution', summary: 'One institution' })
  @ApiOkResponse({ type: InstitutionDto })
  get(@Param('id', uuidId) id: string): Promise<InstitutionDto> {
    return this.institutions.get(id);
  }

  @Post('institutions/:id/api-keys')
  @UuidParam('5f0c2a9e-8d4b-4f61-9a7e-3c1b2d4e6f80')
  @Access('admin')
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Issue an API key; the key is in this response only, and stored as a hash',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  createKey(
    @Param('id', uuidId) id: string,
    @Body() body: CreateApiKeyDto,
    @CurrentActor() actor: Actor,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(id, body, actor);
  }

  @Get('institutions/:id/api-keys')
  @UuidParam('5f0c2a9e-8d4b-4f61-9a7e-3c1b2d4e6f80')
  @Access('admin')
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: "An institution's keys (prefixes, scopes, revocation), never the keys themselves",
  })
  @ApiOkResponse({ type: [ApiKeyDto] })
  listKeys(@Param('id', uuidId) id: string): Promise<ApiKeyDto[]> {
    return this.keys.list(id);
  }

  @Delete('api-keys/:id')
  @UuidParam('a3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d')
  @HttpCode(204)
  @Access('admin')
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke a key: every replica refuses it from the next request on',
  })
  @ApiNoContentResponse({ description: 'revoked' })
  revoke(@Param('id', uuidId) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.keys.revoke(id, actor);
  }

  @Get('api-keys/current')
  @Access(...(ANY_SCOPE as [(typeof ANY_SCOPE)[number]]))
  @ApiOperation({
    operationId: 'getCurrentApiKey',
    summary: 'The calling key: its institution, scopes and rate limit (for integration checks)',
  })
  @ApiOkResponse({ type: CurrentKeyDto })
  async current(@CurrentPrincipal() principal: Principal): Promise<CurrentKeyDto> {
    if (principal.kind !== 'key')
      throw Problem.forbidden({ en: 'Call this with an X-API-Key', zh: '请使用 X-API-Key 调用' });
    const [key, institution] = await Promise.all([
      this.keys.get(principal.keyId),
      this.institutions.get(principal.institutionId),
    ]);
    return { key, institution };
  }
}
