import { HttpStatus, Injectable } from '@nestjs/common';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { Page, pageOf } from '../common/pagination';
import { Problem } from '../common/problem';
import { UsccAllowListService } from '../registry/uscc-allowlist.service';
import { checkCode, checkCodes, codeErrors } from './codes';
import { ListWatchlistQuery, WatchlistChangeDto, WatchlistItemDto } from './dto/watchlist.dto';
import { WatchlistRepository } from './watchlist.repository';

/**
 * Each institution's watchlist: the credit codes it holds, registered or not, up to a million.
 * A list with any bad code is refused whole (400 naming them) and changes nothing; a good one
 * is written with one set-based statement, whatever its length.
 */
@Injectable()
export class WatchlistService {
  constructor(
    private readonly items: WatchlistRepository,
    private readonly allowList: UsccAllowListService,
    private readonly audit: AuditService,
  ) {}

  async list(institutionId: string, query: ListWatchlistQuery): Promise<Page<WatchlistItemDto>> {
    const total = await this.items.count(institutionId);
    const items = await this.items.page(institutionId, query.pageSize, query.offset);
    return pageOf(items, total, query);
  }

  /** The whole list, by code, read 10 000 codes at a time (a list may hold a million). */
  async *all(institutionId: string): AsyncGenerator<WatchlistItemDto> {
    for (let after = ''; ;) {
      const part = await this.items.codesAfter(institutionId, after, 10_000);
      yield* part;
      if (part.length < 10_000) return;
      after = part[part.length - 1].uscc;
    }
  }

  /** Replaces the list: codes not in `inputs` go, new ones come, kept ones keep their `addedAt`. */
  async replace(institutionId: string, inputs: string[], actor: Actor): Promise<WatchlistChangeDto> {
    const codes = await this.codes(inputs);
    return this.audit.change(actor, async (manager) => {
      await this.items.lock(manager, institutionId);
      const change = await this.items.replace(manager, institutionId, codes);
      return { result: change, entry: this.entry('watchlist.replace', institutionId, change) };
    });
  }

  async add(institutionId: string, inputs: string[], actor: Actor): Promise<WatchlistChangeDto> {
    const codes = await this.codes(inputs);
    return this.audit.change(actor, async (manager) => {
      await this.items.lock(manager, institutionId);
      const added = await this.items.add(manager, institutionId, codes);
      const change = { total: await this.items.count(institutionId, manager), added, removed: 0 };
      return { result: change, entry: this.entry('watchlist.add', institutionId, change) };
    });
  }

  async remove(institutionId: string, input: string, actor: Actor): Promise<void> {
    const uscc = await checkCode(input, this.allowList);
    await this.audit.change(actor, async (manager) => {
      await this.items.lock(manager, institutionId);
      const removed = await this.items.remove(manager, institutionId, uscc);
      if (!removed) throw Problem.notFound('Watched code', uscc);
      const change = { total: await this.items.count(institutionId, manager), added: 0, removed };
      return { result: undefined, entry: this.entry('watchlist.remove', institutionId, { ...change, uscc }) };
    });
  }

  /** The normalised, distinct codes of a list, or a 400 naming the bad ones (the first hundred). */
  private async codes(inputs: readonly string[]): Promise<string[]> {
    const { codes, invalid } = await checkCodes(inputs, this.allowList);
    if (invalid.length) {
      throw new Problem(
        HttpStatus.BAD_REQUEST,
        'validation-failed',
        'Invalid request',
        {
          en: `${invalid.length} of the codes ${invalid.length === 1 ? 'is not a credit code' : 'are not credit codes'}; nothing was changed`,
          zh: `其中 ${invalid.length} 个不是有效的统一社会信用代码，未做任何更改`,
        },
        { errors: codeErrors('usccs', invalid) },
      );
    }
    return codes;
  }

  private entry(action: string, institutionId: string, after: unknown) {
    return { action, entityType: 'watchlist', entityId: institutionId, after };
  }
}
