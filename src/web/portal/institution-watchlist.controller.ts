import { Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { AcceptsForm } from '../../common/body-limit';
import { csvStream } from '../../common/csv';
import { Problem } from '../../common/problem';
import { beijingDateTime } from '../../common/clock';
import { CodeFiles, UploadedCode } from '../../imports/code-file';
import { institutionOf } from '../../sharing/asker';
import { ListWatchlistQuery, MAX_WATCHLIST } from '../../sharing/dto/watchlist.dto';
import { WatchlistService } from '../../sharing/watchlist.service';
import { format, Lang } from '../i18n';
import { ConsolePages } from '../console/console-pages';
import { formFields } from '../console/forms';
import { attachment, langOf, pageParam, pagerOf, param, seeOther } from '../console/page-params';
import { INSTITUTION_TEXT } from './institution.text';
import { PortalController } from './portal.decorator';
import { fileRefusal } from './upload-refusal';

/** A watchlist file: a million codes of a CSV are 20 MB; the xlsx of them a little less. */
export const MAX_WATCHLIST_BYTES = 32 * 1024 * 1024;

const MODES = ['add', 'replace'] as const;
const PAGE_SIZE = 50;
/** Bad codes named beside the file field; the count says how many there were. */
const NAMED_BAD_CODES = 5;

const PATH = '/portal/institution/watchlist';

/**
 * 关注名单: an institution's watched codes: the count and a page of them, a file (CSV or xlsx, read
 * by CodeFiles) that replaces the list or is added to it, one code removed, the whole list
 * downloaded as CSV. Each change is WatchlistService's, as `/api/v1/watchlist`'s: the same checks
 * (a file with any bad code changes nothing) and audit entries.
 */
@PortalController('institution', 'watchlist')
export class InstitutionWatchlistController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly files: CodeFiles,
    private readonly watchlist: WatchlistService,
  ) {}

  @Get()
  @Access('institution')
  list(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller): Promise<void> {
    return this.render(request, reply, caller, {});
  }

  @Post()
  @Access('institution')
  async upload(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const lang = langOf(request);
    const institution = institutionOf(caller);
    let codes: UploadedCode[];
    let mode: string;
    try {
      const received = await this.files.receive(request, { maxBytes: MAX_WATCHLIST_BYTES, maxCodes: MAX_WATCHLIST });
      codes = received.codes;
      mode = received.fields.mode ?? '';
    } catch (error) {
      return this.render(request, reply, caller, fileRefusal(error, lang));
    }
    if (!(MODES as readonly string[]).includes(mode))
      return this.render(request, reply, caller, {
        status: 400,
        errors: { mode: INSTITUTION_TEXT[lang].chooseMode },
      });
    const inputs = codes.map((c) => c.input);
    try {
      const change =
        mode === 'replace'
          ? await this.watchlist.replace(institution, inputs, caller.actor)
          : await this.watchlist.add(institution, inputs, caller.actor);
      const done = new URLSearchParams({ done: mode, ...mapValues(change) });
      return seeOther(reply, `${PATH}?${done.toString()}`);
    } catch (error) {
      return this.render(request, reply, caller, {
        status: 400,
        errors: { file: badCodes(error, codes, lang) },
        values: { mode },
      });
    }
  }

  @Post('remove')
  @Access('institution')
  @AcceptsForm()
  async remove(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const { uscc = '' } = formFields(request);
    try {
      await this.watchlist.remove(institutionOf(caller), uscc, caller.actor);
    } catch (error) {
      if (error instanceof Problem && error.status < 500)
        return this.render(request, reply, caller, {
          status: error.status,
          errors: { '': error.localized(langOf(request)) },
        });
      throw error;
    }
    return seeOther(reply, `${PATH}?${new URLSearchParams({ done: 'removed', uscc }).toString()}`);
  }

  /** The whole list as CSV (UTF-8 with BOM): the codes and when each was added, by code. */
  @Get('list.csv')
  @Access('institution')
  download(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller): void {
    const t = INSTITUTION_TEXT[langOf(request)];
    const items = this.watchlist.all(institutionOf(caller));
    async function* rows(): AsyncGenerator<string[]> {
      yield [t.uscc, t.addedAt];
      for await (const item of items) yield [item.uscc, beijingDateTime(new Date(item.addedAt))];
    }
    const source = Readable.from(rows());
    const csv = csvStream({ bom: true, record_delimiter: '\r\n' });
    source.once('error', (error) => csv.destroy(error));
    void reply
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', attachment(`${t.watchlistTitle}.csv`))
      .header('Cache-Control', 'private, no-store')
      .send(source.pipe(csv));
  }

  private async render(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: Caller,
    form: { status?: number; errors?: Record<string, string>; values?: Record<string, string> },
  ): Promise<void> {
    const query = Object.assign(new ListWatchlistQuery(), { page: pageParam(request.query), pageSize: PAGE_SIZE });
    const list = await this.watchlist.list(institutionOf(caller), query);
    const done = form.status ? '' : param(request.query, 'done');
    return this.pages.render(request, reply, 'portal/institution-watchlist', {
      title: (t) => t.watchlistTitle,
      text: INSTITUTION_TEXT,
      status: form.status,
      errors: form.errors,
      values: { mode: 'add', ...form.values },
      data: (context) => ({
        list,
        pager: pagerOf(PATH, {}, list),
        modes: MODES.map((m) => ({ value: m, text: context.t[`mode_${m}`] })),
        done: doneText(done, request.query, context.t),
      }),
    });
  }
}

const mapValues = (change: { total: number; added: number; removed: number }) => ({
  total: String(change.total),
  added: String(change.added),
  removed: String(change.removed),
});

/** What the last change did, told after the redirect (`?done=replace&total=…`). */
function doneText(done: string, query: unknown, t: Record<string, string>): string | null {
  const n = (name: string) => param(query, name).replace(/\D/g, '') || '0';
  if (done === 'replace') return format(t.replaced, { total: n('total'), added: n('added'), removed: n('removed') });
  if (done === 'add') return format(t.added, { total: n('total'), added: n('added') });
  if (done === 'removed') return format(t.removed, { uscc: param(query, 'uscc').slice(0, 18) });
  return null;
}

/** The service's refusal of a list with bad codes, naming the first few by their rows in the file. */
function badCodes(error: unknown, codes: UploadedCode[], lang: Lang): string {
  if (!(error instanceof Problem) || error.status >= 500) throw error;
  const t = INSTITUTION_TEXT[lang];
  const listed = (error.extensions.errors as { field: string; message: string }[] | undefined) ?? [];
  const named = listed.flatMap(({ field }) => {
    const index = /^usccs\[(\d+)\]$/.exec(field);
    const code = index ? codes[Number(index[1])] : undefined;
    return code ? [code] : [];
  });
  if (!named.length) return error.localized(lang);
  const count = Number(/(\d+)/.exec(error.detail)?.[1] ?? named.length);
  const list = named
    .slice(0, NAMED_BAD_CODES)
    .map((c) => format(t.badCodeRow, { row: c.row, input: c.input.slice(0, 40) }))
    .join(lang === 'zh' ? '、' : ', ');
  return format(t.badCodes, { n: count, list: `${list}${count > NAMED_BAD_CODES ? '…' : ''}` });
}
