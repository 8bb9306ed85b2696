import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemActor } from '../../access/actor';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { withOwnerSession } from '../../database/owner-session';
import { GzipRows, readGzipCsv } from '../exports/export-files';
import { monthOf, monthsAhead, oldestKept } from './months';
import { ARCHIVE_COLUMNS, QueryLogPartitionsRepository } from './query-log-partitions.repository';

/** Months added ahead of the current one: a quarter of days on which the job may fail to run. */
const AHEAD = 3;
const BATCH = 10_000;
/** Where the archives go, under EXPORT_DIR. */
export const QUERY_LOG_ARCHIVE_DIR = 'query-log';

/** A retired month, as its audit entry records it. */
export interface ArchivedMonth {
  month: string;
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * The query log's months: each Beijing month is a partition of credit_queries, added AHEAD months
 * before it begins, and retired whole once it ended QUERY_LOG_RETENTION_MONTHS ago: detached,
 * written to EXPORT_DIR/query-log/ as a gzip CSV of all its columns with its SHA-256 (a
 * `sha256sum -c` file beside it), read back and checked, audited, and only then dropped. No row is
 * ever deleted, which the append-only guard would refuse; detaching and dropping are the owner's
 * (withOwnerSession). Each step leaves a state the next run finishes from: a month detached but
 * not dropped is archived again from the start, its files replaced.
 */
@Injectable()
export class QueryLogService {
  private readonly logger = new Logger(QueryLogService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /**
   * Why DATABASE_URL cannot keep the months (a sentence naming it, for the worker's log at start),
   * or null when it can. The upkeep is the owner's: a worker whose DATABASE_URL is the qc_app login
   * (as the api's may be) would fail it every day, and the log would pile up in its DEFAULT
   * partition; the worker says so once at start, loudly, and goes on with its other jobs.
   */
  async cannotKeepMonths(): Promise<string | null> {
    try {
      return await withOwnerSession(this.config.DATABASE_URL, async (owner) =>
        this.cannotKeepOn(new QueryLogPartitionsRepository(owner)),
      );
    } catch (error) {
      return `DATABASE_URL: the query log's months cannot be kept: ${(error as Error).message}`;
    }
  }

  private async cannotKeepOn(partitions: QueryLogPartitionsRepository): Promise<string | null> {
    const why = await partitions.cannotKeep();
    return why
      ? `DATABASE_URL: ${why}, so the query log's months cannot be kept (none added ahead, none archived; lookups are logged into credit_queries_default). Set a worker's DATABASE_URL to the owner and DATABASE_APP_URL to the qc_app login (docs/scale-out.md)`
      : null;
  }

  /** Adds the months ahead, retires the months past retention; idempotent, one worker at a time. */
  keepMonths(): Promise<{ added: string[]; archived: ArchivedMonth[] }> {
    return withOwnerSession(this.config.DATABASE_URL, async (owner) => {
      const partitions = new QueryLogPartitionsRepository(owner);
      const cannot = await this.cannotKeepOn(partitions);
      if (cannot) throw new Error(cannot);
      // A second worker waits here, then finds the work done.
      await partitions.lock();
      const now = this.clock.now();
      const kept = oldestKept(now, this.config.QUERY_LOG_RETENTION_MONTHS);
      // Rows logged before their month was added wait in the DEFAULT partition. It is set aside
      // whole (catalogue only: milliseconds under the log's lock, however many rows) and its rows
      // are filed in batches below; adding a month with rows in the DEFAULT would do the same.
      if ((await partitions.monthsInDefault()).length) await partitions.setDefaultAside();
      const added: string[] = [];
      for (const month of monthsAhead(now, AHEAD)) if (await partitions.addMonth(month)) added.push(month);
      const archived: ArchivedMonth[] = [];
      for (const name of await partitions.filing()) archived.push(...(await this.file(partitions, name, kept, added)));

      for (const name of await partitions.attached()) {
        if (monthOf(name)! < kept) await partitions.detach(name);
      }
      for (const name of await partitions.detached()) {
        await partitions.withhold(name);
        archived.push(await this.retire(partitions, name));
      }
      if (added.length || archived.length) {
        this.logger.log(
          `query log: added ${added.join(', ') || 'no month'}, archived ${archived.map((a) => a.month).join(', ') || 'no month'}`,
        );
      }
      return { added, archived };
    });
  }

  /**
   * Files the rows of set-aside DEFAULT `name` into their months (added when missing), in batches
   * of BATCH rows, each its own short transaction: the log stays open to lookups throughout. Its
   * rows stay out of reads until filed (minutes for millions of rows, once, after months without
   * the job), which is the price of never holding the log's lock for the copy. Rows of months past
   * retention (a clock set back, or a DEFAULT left so long) are archived as a month would be, in
   * `<name>.csv.gz`, not made into an archived month again. Then the table is dropped. A run
   * that dies midway leaves the table, and the next one files what is left.
   */
  private async file(
    partitions: QueryLogPartitionsRepository,
    name: string,
    kept: string,
    added: string[],
  ): Promise<ArchivedMonth[]> {
    await partitions.withhold(name);
    for (const month of await partitions.monthsIn(name))
      if (month >= kept && (await partitions.addMonth(month))) added.push(month);
    for (let after: string | null = '0'; after !== null;) after = await partitions.fileBatch(name, after, BATCH, kept);
    const unfiled = await partitions.unfiled(name, kept);
    if (unfiled)
      throw new Error(`${unfiled} rows of ${name} are not in credit_queries after filing; the table is kept`);
    if (await partitions.count(name, kept)) return [await this.retire(partitions, name, kept)];
    await partitions.drop(name);
    return [];
  }

  /**
   * Archives detached month `name` (or the rows before month `before` of a set-aside DEFAULT),
   * checks the file against the table, audits it, and drops the table.
   */
  private async retire(
    partitions: QueryLogPartitionsRepository,
    name: string,
    before?: string,
  ): Promise<ArchivedMonth> {
    const month = monthOf(name) ?? name;
    const dir = join(this.config.EXPORT_DIR, QUERY_LOG_ARCHIVE_DIR);
    const file = `${name}.csv.gz`;
    // Written whole in a staging directory, then renamed into place: a reader never sees half a file.
    const staging = join(dir, `.staging-${randomUUID()}`);
    await mkdir(staging, { recursive: true });
    let archive: ArchivedMonth;
    try {
      const writer = new GzipRows(file, join(staging, file), ARCHIVE_COLUMNS);
      for (let after = '0'; ;) {
        const rows = await partitions.rowsAfter(name, after, BATCH, before);
        if (!rows.length) break;
        for (const row of rows) await writer.write({ ...row });
        after = rows[rows.length - 1].id;
      }
      const written = await writer.end();
      const [inTable, readBack] = await Promise.all([partitions.count(name, before), readGzipCsv(join(staging, file))]);
      if (written.rows !== inTable || readBack.rows !== inTable || readBack.sha256 !== written.sha256) {
        throw new Error(
          `the archive of ${name} reads back as ${readBack.rows} rows (sha256 ${readBack.sha256}), the table holds ${inTable} and ${written.rows} were written (sha256 ${written.sha256}); the table is kept`,
        );
      }
      await writeFile(join(staging, `${file}.sha256`), `${written.sha256}  ${file}\n`);
      await rename(join(staging, file), join(dir, file));
      await rename(join(staging, `${file}.sha256`), join(dir, `${file}.sha256`));
      archive = {
        month,
        file: `${QUERY_LOG_ARCHIVE_DIR}/${file}`,
        rows: inTable,
        bytes: written.bytes,
        sha256: written.sha256,
      };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    // The entry before the drop: a crash between them archives and audits the month again.
    await this.audit.change(systemActor('query-log-retention'), async () => ({
      result: undefined,
      entry: { action: 'query-log.archive', entityType: 'query-log-month', entityId: month, after: archive },
    }));
    await partitions.drop(name);
    return archive;
  }
}
