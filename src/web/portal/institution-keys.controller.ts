import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { AcceptsForm } from '../../common/body-limit';
import { uuidId } from '../../common/validation';
import { ApiKeysService } from '../../identity/api-keys.service';
import { institutionOf } from '../../sharing/asker';
import { refusal } from '../console/admin-shared';
import { keyOfInstitution, KeysPageState, keysView, NEW_KEY, readKeyForm } from '../console/api-key-pages';
import { ConsolePages } from '../console/console-pages';
import { formFields } from '../console/forms';
import { langOf, param, seeOther } from '../console/page-params';
import { INTEGRATION_TEXT } from './integration.text';
import { PortalController } from './portal.decorator';

const HOME = '/portal/institution/keys';

/**
 * 机构门户 › API 密钥: the signed-in user's own institution's keys, issued (scopes as checkboxes,
 * at least one; the default rate), shown once and revoked after a confirmation, through the
 * service and the table and form the administrators' page uses (ApiKeysService, views/console/api-keys).
 * Another institution's key is not found.
 */
@PortalController('institution', 'keys')
export class InstitutionKeysController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly keys: ApiKeysService,
  ) {}

  @Get()
  @Access('institution')
  show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    return this.render(request, reply, institutionOf(caller), {
      done: param(query, 'done') === 'revoked' ? 'revoked' : null,
      newKey: NEW_KEY.take(request, reply, HOME),
    });
  }

  @Post()
  @AcceptsForm()
  @Access('institution')
  async create(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const institutionId = institutionOf(caller);
    const form = await readKeyForm(request, langOf(request), false);
    if (!form.ok) return this.render(request, reply, institutionId, { ...form, status: 400 });
    const created = await this.keys.create(institutionId, form.value, caller.actor);
    NEW_KEY.carry(request, reply, HOME, created.key);
    seeOther(reply, HOME);
  }

  /** The first post asks to confirm; the second (confirmed=yes) revokes. */
  @Post(':keyId/revoke')
  @AcceptsForm()
  @Access('institution')
  async revoke(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('keyId', uuidId) keyId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const institutionId = institutionOf(caller);
    await keyOfInstitution(this.keys, institutionId, keyId);
    if (formFields(request).confirmed !== 'yes') return this.render(request, reply, institutionId, { confirm: keyId });
    try {
      await this.keys.revoke(keyId, caller.actor);
    } catch (error) {
      return this.render(request, reply, institutionId, { errors: refusal(error, langOf(request)), status: 409 });
    }
    seeOther(reply, `${HOME}?done=revoked`);
  }

  private async render(
    request: FastifyRequest,
    reply: FastifyReply,
    institutionId: string,
    options: KeysPageState,
  ): Promise<void> {
    const keys = await this.keys.list(institutionId);
    return this.pages.render(request, reply, 'portal/keys', {
      title: (t) => t.keysTitle,
      text: INTEGRATION_TEXT,
      status: options.status,
      errors: options.errors,
      values: options.values,
      data: (c) => ({
        done: options.done ?? null,
        ...keysView(keys, c.t, { ...options, base: HOME, home: HOME, withRateLimit: false }),
      }),
    });
  }
}
