import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Page, pageOf } from '../../common/pagination';
import { Problem } from '../../common/problem';
import { AppConfig } from '../../config/app-config';
import { Validators } from './conditional';
import {
  PublicBlacklistEntryDto,
  PublicBlacklistEntrySummaryDto,
  PublicBlacklistQuery,
} from './dto/public-blacklist.dto';
import { atomDocument, csvFile, FEED_SIZE, jsonFile } from './open-data-renderers';
import { ListCursor, PublicBlacklistRepository, PublicRemoval } from './public-blacklist.repository';

/** Rows per read while a file streams. */
const STREAM_BATCH = 500;

export type OpenDataFormat = 'csv' | 'json' | 'atom';

/**
 * The public blacklist: the list with its filters and pages, one entry, the whole list as open
 * data (CSV and JSON, streamed in keyset reads) and the Atom feed of publications and removals.
 * Also what the web pages render.
 */
@Injectable()
export class PublicBlacklistService {
  constructor(
    private readonly listings: PublicBlacklistRepository,
    private readonly config: AppConfig,
  ) {}

  async list(query: PublicBlacklistQuery): Promise<Page<PublicBlacklistEntrySummaryDto>> {
    const total = await this.listings.count(query);
    // An unknown district lists nothing: only an empty list asks whether the district exists.
    if (total === 0 && query.districtCode && !(await this.listings.districtExists(query.districtCode))) {
      throw Problem.validation([{ field: 'districtCode', message: 'is not a district of Wenzhou' }]);
    }
    return pageOf(await this.listings.page(query), total, query);
  }

  /** A published entry; 404 for any other, whatever its state, as for one that does not exist. */
  async findOne(id: string): Promise<PublicBlacklistEntryDto> {
    if (!/^[1-9][0-9]{0,17}$/.test(id)) throw Problem.notFound('Blacklist entry', id);
    const entry = await this.listings.published(id);
    if (!entry) throw Problem.notFound('Blacklist entry', id);
    return entry;
  }

  /** The newest publications still published, newest first: the home page's 最新列入. */
  newest(limit: number): Promise<PublicBlacklistEntrySummaryDto[]> {
    return this.listings.newest(limit);
  }

  /** The newest removals on expiry or revocation, newest first: the home page's 最新移出 (as the feed tells them). */
  newestRemovals(limit: number): Promise<PublicRemoval[]> {
    return this.listings.newestRemovals(limit);
  }

  /** How many enterprises are on the published blacklist now. */
  listedEnterprises(): Promise<number> {
    return this.listings.listedEnterprises();
  }

  /** The published entries of one enterprise (by its id), newest publication first. */
  forEnterprise(enterpriseId: string): Promise<PublicBlacklistEntryDto[]> {
    return this.listings.publishedFor(enterpriseId);
  }

  /**
   * ETag and Last-Modified of the current list, from a few index look-ups: the newest blacklist
   * event in the outbox (every publication and removal writes one), the number and id sum of the
   * published entries, and the last change to a listed enterprise (a new name) or a department (a
   * new name for the authority). The tag differs per format (each is its own representation).
   *
   * Computed before the file is read: a change that lands while a file streams may or may not be
   * in it, but then the next request sees a new tag and gets the whole file again; a client never
   * keeps a stale copy under a current tag.
   */
  async validators(format: OpenDataFormat): Promise<Validators> {
    const state = await this.listings.state();
    const digest = createHash('sha256')
      .update(JSON.stringify([state.seq, state.n, state.ids, new Date(state.modified).getTime()]))
      .digest('base64url')
      .slice(0, 22);
    // Weak: the same list goes out as different bytes, compressed or not (as the client accepts).
    return { etag: `W/"${format}-${digest}"`, lastModified: new Date(state.modified) };
  }

  /** Every published entry, newest publication first, read STREAM_BATCH rows at a time by keyset. */
  async *entries(): AsyncGenerator<PublicBlacklistEntryDto> {
    let after: ListCursor | null = null;
    do {
      const batch = await this.listings.batch(after, STREAM_BATCH);
      yield* batch.entries;
      after = batch.next;
    } while (after);
  }

  /** The list as CSV (see csvFile). */
  csv(): Readable {
    return csvFile(this.entries());
  }

  /** The list as one JSON array. */
  json(): Readable {
    return jsonFile(this.entries());
  }

  /**
   * The newest publications and removals, as Atom. A publication is shown while its entry is
   * published; a removal on expiry or revocation is shown as such. An entry removed on credit
   * repair leaves no trace: neither its publication nor its removal appears.
   */
  async atom(baseUrl: string, updatedFallback: Date): Promise<string> {
    return atomDocument(await this.listings.feed(FEED_SIZE), this.config.site, baseUrl, updatedFallback);
  }
}
