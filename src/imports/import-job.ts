import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { UsersRepository } from '../identity/users.repository';
import { RecomputeRequests } from '../jobs/recompute-requests';
import { ReferenceService } from '../registry/reference.service';
import { UsccAllowListService } from '../registry/uscc-allowlist.service';
import { IMPORT_SPECS, RowContext } from './import-kinds';
import { ChunkLines, ImportJobRow, ImportOutcome, ImportsRepository } from './imports.repository';
import { ImportFailure, RowChecker } from './row-checker';
import { countDataLines, uploadPath } from './upload-files';

const PROGRESS_EVERY = 20_000;
const ERROR_BATCH = 5_000;

/** The import and who uploaded it, as the job runs it. */
type RunningImport = ImportJobRow & { username: string };

/**
 * The worker's side of an import: parses the stored file as a stream, checks each row on its own
 * (the API's rules), and, chunk by chunk (IMPORT_CHUNK_ROWS), COPYs the good rows into a staging
 * table, checks what needs the database set-based and merges the chunk in one statement, while
 * the next chunk is parsed. All of it is one transaction: a crash or a retry starts clean, and
 * re-importing a file adds nothing. Bad rows are kept with their line, field and message (written
 * as they are found, so memory stays bounded by one chunk).
 */
@Injectable()
export class ImportJob {
  private readonly logger = new Logger(ImportJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly imports: ImportsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly allowList: UsccAllowListService,
    private readonly reference: ReferenceService,
    private readonly users: UsersRepository,
    private readonly recompute: RecomputeRequests,
  ) {}

  /** Processes one import from its stored file. Safe to run again. */
  async run(id: string, progress: (done: number, total: number | null) => void = () => {}): Promise<void> {
    const found = await this.imports.forJob(id);
    if (!found || !['queued', 'running'].includes(found.status)) return;
    const uploader = await this.users.account(found.uploadedBy);
    if (!uploader) return;
    const row: RunningImport = { ...found, username: uploader.username };
    // An account disabled since the upload no longer acts: its queued files are not imported.
    if (uploader.disabled) {
      await this.imports.markFailed(
        id,
        `The uploader's account (${row.username}) was disabled before this import ran, so nothing was imported. ` +
          'A user whose account is enabled may upload the file again',
      );
      this.logger.warn(`import ${id}: not run, its uploader ${row.username} is disabled`);
      return;
    }
    const total = await countDataLines(uploadPath(this.config.UPLOAD_DIR, id));
    await this.imports.start(id, total);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const { outcome, touched, ms } = await this.load(runner, row, total, progress);
      if (outcome.status === 'completed') {
        await this.finish(runner.manager, row, outcome);
        await this.recompute.note(runner.manager, touched);
        await runner.commitTransaction();
        await this.recompute.dispatch(touched);
      } else {
        // All or nothing, and something was bad: undo the merged chunks, keep the verdict.
        await runner.rollbackTransaction();
        await this.dataSource.transaction((manager) => this.finish(manager, row, outcome));
      }
      progress(outcome.totalRows, outcome.totalRows);
      this.logger.log(`import ${id}: ${JSON.stringify({ ...outcome, ms })}`);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      if (!(error instanceof ImportFailure)) throw error; // Bull retries with back-off
      await this.imports.markFailed(id, error.message);
    } finally {
      await runner.release();
    }
  }

  /**
   * Reads the file chunk by chunk: while PostgreSQL checks and merges one chunk, the parser
   * reads the next, so both cores work; all inside the caller's transaction.
   */
  private async load(
    runner: QueryRunner,
    row: RunningImport,
    total: number,
    progress: (done: number, total: number | null) => void,
  ) {
    const context: RowContext = {
      today: this.clock.today(),
      allowedCodes: new Set((await this.allowList.list()).map((e) => e.uscc)),
    };
    // The registry's districts, for the enterprises' staged checks: a few dozen codes.
    const districtCodes = row.kind === 'enterprises' ? (await this.reference.listDistricts()).map((d) => d.code) : [];
    await this.imports.createStaging(runner, row.kind);
    const checker = new RowChecker(IMPORT_SPECS[row.kind], context);
    const counts = { imported: 0, skipped: 0 };

    const checkAndMerge = async (lines: ChunkLines, staged: string[]) => {
      await this.imports.stage(runner, staged);
      const rejected = await this.imports.checkStaged(runner, row.kind, row.id, lines, {
        jurisdiction: row.jurisdiction,
        districtCodes,
      });
      const inserted = await this.imports.mergeStaged(runner, row, lines);
      counts.imported += inserted;
      counts.skipped += staged.length - rejected - inserted;
    };

    const started = performance.now();
    const parser = createReadStream(uploadPath(this.config.UPLOAD_DIR, row.id)).pipe(
      parse({ bom: true, relax_column_count: true, info: true, skip_records_with_error: true }),
    );
    parser.on('skip', (error: Error & { lines?: number }) => checker.malformed(error.lines ?? 0, error.message));
    let chunk: string[] = [];
    let lines: ChunkLines = { from: 0, to: 0 };
    let merging: Promise<void> = Promise.resolve();
    const startChunk = async () => {
      await merging; // one statement at a time on the connection
      merging = checkAndMerge(lines, chunk);
      chunk = [];
      lines = { from: 0, to: 0 };
      merging.catch(() => undefined); // awaited below; this only stops an unhandled-rejection report
    };
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      const out = checker.check(record, line);
      if (out === undefined) continue; // the header
      if (out) {
        chunk.push(out);
        if (!lines.from) lines.from = line;
        lines.to = line;
      }
      if (checker.count % PROGRESS_EVERY === 0) {
        progress(checker.count, total);
        void this.imports.setProgress(row.id, checker.count).catch(() => undefined);
      }
      if (checker.errors.length >= ERROR_BATCH) await this.imports.saveErrors(row.id, checker.takeErrors());
      if (chunk.length >= this.config.IMPORT_CHUNK_ROWS) await startChunk();
    }
    if (!checker.sawHeader) throw new ImportFailure('The file is empty: expected a header row naming the columns');
    if (chunk.length) await startChunk();
    await merging;
    await this.imports.saveErrors(row.id, checker.takeErrors());

    const rejected = await this.imports.rejectedLines(runner.manager, row.id);
    const status: ImportOutcome['status'] = row.mode === 'all-or-nothing' && rejected > 0 ? 'rejected' : 'completed';
    const outcome = {
      status,
      totalRows: checker.count,
      importedRows: status === 'completed' ? counts.imported : 0,
      skippedRows: status === 'completed' ? counts.skipped : 0,
      rejectedRows: rejected,
    };
    // The enterprises whose records changed, to regrade once this transaction has committed.
    const touched =
      status === 'completed' && row.kind === 'records' ? await this.imports.stagedEnterprises(runner) : [];
    return { outcome, touched, ms: Math.round(performance.now() - started) };
  }

  /** Records how the import ended and audits it, in the given transaction. */
  private async finish(manager: EntityManager, row: RunningImport, outcome: ImportOutcome): Promise<void> {
    await this.imports.finish(manager, row.id, outcome);
    await this.audit.record(
      manager,
      { type: 'user', id: row.uploadedBy, name: row.username, requestId: null },
      {
        action: `import.${row.kind}`,
        entityType: 'import',
        entityId: row.id,
        after: outcome,
      },
    );
  }
}
