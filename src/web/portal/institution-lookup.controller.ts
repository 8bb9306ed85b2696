import { Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access, AuthenticatedRequest } from '../../access/access.decorator';
import { BlacklistReads } from '../../blacklist/blacklist-reads.repository';
import { ReasonDto } from '../../blacklist/dto/blacklist.dto';
import { AcceptsForm } from '../../common/body-limit';
import { Problem } from '../../common/problem';
import { checkUscc } from '../../common/uscc';
import { importMessageZh } from '../../imports/import-messages';
import { askerOf } from '../../sharing/asker';
import { CreditStatusService } from '../../sharing/credit-status.service';
import { CreditStatusDto } from '../../sharing/dto/credit-status.dto';
import { Purpose, PURPOSES } from '../../sharing/purposes';
import { format, Lang } from '../i18n';
import { ConsolePages } from '../console/console-pages';
import { formFields, required } from '../console/forms';
import { langOf } from '../console/page-params';
import { INSTITUTION_TEXT } from './institution.text';
import { PortalController } from './portal.decorator';

/** The purposes as a select's options, the first one asking to choose. */
export function purposeOptions(t: Record<string, string>, first: string) {
  return [{ value: '', text: first }, ...PURPOSES.map((p) => ({ value: p, text: t[`purpose_${p}`] }))];
}

/** A credit-code check's message beside the field, in the person's language. */
export function codeMessage(message: string, lang: Lang): string {
  return format(INSTITUTION_TEXT[lang].usccInvalid, { reason: lang === 'zh' ? importMessageZh(message) : message });
}

/**
 * 信用查询: one lookup with its purpose, for an institution's users. It asks CreditStatusService,
 * as `GET /api/v1/credit-status/{uscc}?purpose=` does, so the answer and its query-log row are
 * the API's; a form without a purpose or with no credit code is refused beside its field (400)
 * before anything is asked or logged.
 */
@PortalController('institution')
export class InstitutionLookupController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly status: CreditStatusService,
    private readonly blacklist: BlacklistReads,
  ) {}

  @Get()
  @Access('institution')
  form(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.render(request, reply, {});
  }

  @Post()
  @Access('institution')
  @AcceptsForm()
  async lookup(@Req() request: AuthenticatedRequest, @Res() reply: FastifyReply): Promise<void> {
    const lang = langOf(request);
    const t = INSTITUTION_TEXT[lang];
    const { uscc = '', purpose = '' } = formFields(request);
    const values = { uscc, purpose };
    const errors: Record<string, string> = {};
    if (!(PURPOSES as readonly string[]).includes(purpose)) errors.purpose = purpose ? t.choosePurpose : required(lang);
    if (!uscc.trim()) errors.uscc = t.usccRequired;
    else if (errors.purpose) {
      // Told beside its field too, when it is wrong whatever the allow-list says.
      const check = checkUscc(uscc);
      if (!check.valid && (check.failure === 'length' || check.failure === 'alphabet'))
        errors.uscc = codeMessage(check.message, lang);
    }
    if (Object.keys(errors).length) return this.render(request, reply, { status: 400, errors, values });
    try {
      const result = await this.status.one(uscc, { purpose: purpose as Purpose }, askerOf(request.principal!));
      const reasons = result.blacklistEntries.length ? await this.blacklist.reasons() : [];
      return this.render(request, reply, { values, result, reasons });
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      const listed = (error.extensions.errors as { field: string; message: string }[] | undefined) ?? [];
      const code = listed.find((e) => e.field === 'uscc');
      if (code)
        return this.render(request, reply, { status: 400, values, errors: { uscc: codeMessage(code.message, lang) } });
      if (error.status === 404) {
        const normal = checkUscc(uscc).uscc;
        return this.render(request, reply, {
          status: 404,
          values,
          notFound: format(t.notRegistered, { uscc: normal }),
        });
      }
      throw error;
    }
  }

  private render(
    request: FastifyRequest,
    reply: FastifyReply,
    page: {
      status?: number;
      errors?: Record<string, string>;
      values?: Record<string, string>;
      result?: CreditStatusDto;
      /** The blacklist's reasons, by code, for the result's entries. */
      reasons?: ReasonDto[];
      notFound?: string;
    },
  ): Promise<void> {
    return this.pages.render(request, reply, 'portal/institution-lookup', {
      title: (t) => t.lookupTitle,
      text: INSTITUTION_TEXT,
      status: page.status,
      errors: page.errors,
      values: page.values,
      data: (context) => ({
        purposes: purposeOptions(context.t, context.t.choosePurpose),
        result: page.result ?? null,
        reasonOf: (code: string) => {
          const reason = page.reasons?.find((r) => r.code === code);
          return reason ? context.pick(reason) : code;
        },
        notFound: page.notFound ?? null,
      }),
    });
  }
}
