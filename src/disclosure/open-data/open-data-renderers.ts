/**
 * The public blacklist's files as their formats write them: the CSV and the JSON array, streamed
 * entry by entry from any source of entries, and the Atom feed of publications and removals.
 */

import { pipeline, Readable } from 'node:stream';
import { beijingDate, beijingLastDay } from '../../common/clock';
import { csvStream } from '../../common/csv';
import type { Site } from '../../config/app-config';
import { AtomEntry, atomFeed } from './atom';
import { PublicBlacklistEntryDto } from './dto/public-blacklist.dto';
import type { FeedItem } from './public-blacklist.repository';

/**
 * The CSV's columns: a bilingual header, Chinese name then the JSON field name (`企业名称/
 * enterpriseName`), so a person reads it in a spreadsheet and a program finds the same names as
 * in the JSON file. Dates are Beijing calendar dates (`YYYY-MM-DD`), as on the pages: the day of
 * publication and the last day of the listing (the JSON also has the instants).
 */
const CSV_COLUMNS: { header: string; value: (e: PublicBlacklistEntryDto) => string }[] = [
  { header: '名单编号/id', value: (e) => e.id },
  { header: '统一社会信用代码/uscc', value: (e) => e.uscc },
  { header: '企业名称/enterpriseName', value: (e) => e.enterpriseName },
  { header: '行政区划代码/districtCode', value: (e) => e.district.code },
  { header: '行政区划/districtName', value: (e) => e.district.nameZh },
  { header: '列入原因代码/reasonCode', value: (e) => e.reason.code },
  { header: '列入原因/reasonNameZh', value: (e) => e.reason.nameZh },
  { header: '列入原因（英文）/reasonNameEn', value: (e) => e.reason.nameEn },
  { header: '法律依据/legalBasis', value: (e) => e.legalBasis },
  { header: '违法事实/facts', value: (e) => e.facts },
  { header: '作出决定机关/authority', value: (e) => e.authority.nameZh },
  { header: '列入日期/publishedOn', value: (e) => e.publishedOn },
  { header: '列入期限至/listedUntil', value: (e) => e.listedUntil },
];

/** The list as CSV: UTF-8 with a BOM (so spreadsheet programs read the Chinese), bilingual header. */
export function csvFile(entries: AsyncIterable<PublicBlacklistEntryDto>): Readable {
  const rows = Readable.from(
    (async function* () {
      for await (const entry of entries) yield CSV_COLUMNS.map((c) => c.value(entry));
    })(),
  );
  const csv = csvStream({ bom: true, header: true, columns: CSV_COLUMNS.map((c) => c.header) });
  // Either end failing or the client leaving ends both; the error is the response's to report.
  return pipeline(rows, csv, () => undefined);
}

/** The list as one JSON array, written entry by entry. */
export function jsonFile(entries: AsyncIterable<PublicBlacklistEntryDto>): Readable {
  return Readable.from(
    (async function* () {
      let first = true;
      yield '[';
      for await (const entry of entries) {
        yield (first ? '\n' : ',\n') + JSON.stringify(entry);
        first = false;
      }
      yield first ? ']\n' : '\n]\n';
    })(),
    { objectMode: false },
  );
}

/** The Atom feed's permanent id (RFC 4287 §4.2.6): never changes, whatever the host. */
const FEED_ID = 'urn:uuid:6d3c2a57-4f0e-4b8e-9a51-0b7a8f1c2e90';

/** How many publications and removals the feed holds. */
export const FEED_SIZE = 100;

const REMOVALS_ZH: Record<string, string> = { expired: '列入期满', revoked: '撤销列入' };

/**
 * The feed of these publications and removals (newest first), its links under `baseUrl`, titled
 * with the platform's name and written by its owner; `updatedFallback` is the feed's `updated`
 * when it holds no entry.
 */
export function atomDocument(items: FeedItem[], site: Site, baseUrl: string, updatedFallback: Date): string {
  const entries = items.map((item): AtomEntry => {
    const who = `${item.enterpriseName}（统一社会信用代码 ${item.uscc}）`;
    if (item.type === 'blacklist.published') {
      return {
        id: `urn:uuid:${item.eventId}`,
        title: `列入产品质量黑名单：${item.enterpriseName}`,
        updated: item.publishedAt,
        link: `${baseUrl}/blacklist/${item.entryId}`,
        summary: `${who}因“${item.reasonZh}”经${item.departmentZh}决定，于${beijingDate(item.publishedAt)}列入产品质量黑名单，列入期限至${beijingLastDay(item.expiresAt)}。`,
      };
    }
    const why = REMOVALS_ZH[item.removalReason!];
    return {
      id: `urn:uuid:${item.eventId}`,
      title: `移出产品质量黑名单（${why}）：${item.enterpriseName}`,
      updated: item.removedAt!,
      // The entry's page is gone once it is removed; the list is where it was.
      link: `${baseUrl}/blacklist`,
      summary: `${who}因${why}，于${beijingDate(item.removedAt!)}移出产品质量黑名单。`,
    };
  });
  return atomFeed({
    id: FEED_ID,
    title: `${site.name.zh}：产品质量黑名单列入与移出`,
    self: `${baseUrl}/api/v1/public/blacklist.atom`,
    alternate: `${baseUrl}/blacklist`,
    author: site.owner.zh,
    updated: entries.reduce((max, e) => (e.updated > max ? e.updated : max), entries[0]?.updated ?? updatedFallback),
    entries,
  });
}
