import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { parse } from 'csv-parse';
import '@fastify/multipart'; // types for request.parts()
import type { FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { copyField, copyLines } from '../database/pg-copy';
import { pgClient } from '../database/pg-pool';
import { FieldError, Problem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { JobName, QueueName } from '../jobs/queues';
import { RecomputeRequests } from '../jobs/recompute-requests';
import { Recorder } from '../records/recorder';
import { RecordsService } from '../records/records.service';
import { EnterprisesService } from '../registry/enterprises.service';
import { UsccAllowListService } from '../registry/uscc-allowlist.service';
import { ImportDto, ImportErrorDto } from './dto/import.dto';
import {
  IMPORT_KINDS,
  IMPORT_MODES,
  IMPORT_SPECS,
  ImportKind,
  ImportKindSpec,
  ImportMode,
  RowContext,
} from './import-kinds';

export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

const PROGRESS_EVERY = 20_000;
const ERROR_BATCH = 5_000;
const STAGING = 'import_staging';

/** Control characters (C0, DEL, C1): never part of a file name a person gave. */
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** Seconds a caller is asked to wait when uploads cannot be stored. */
const STORAGE_RETRY_AFTER_S = 60;

/** A file that cannot be imported at all (its header, its format); not worth a retry. */
class ImportFailure extends Error {}

/** The upload's file could not be written: the server's fault, not the request's. */
class StorageFault extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

interface ImportError {
  line: number;
  field: string | null;
  message: string;
}

interface ImportOutcome {
  status: 'completed' | 'rejected';
  totalRows: number;
  importedRows: number;
  skippedRows: number;
  rejectedRows: number;
}

interface ImportRow {
  id: string;
  kind: ImportKind;
  mode: ImportMode;
  status: string;
  department_code: string | null;
  jurisdiction: string | null;
  uploaded_by: string;
  username: string;
  uploader_disabled: boolean;
}

/**
 * Bulk imports. The upload is streamed to UPLOAD_DIR and acknowledged with 202; a worker job
 * then parses it as a stream, checks each row on its own (the API's rules), and, chunk by chunk
 * (IMPORT_CHUNK_ROWS), COPYs the good rows into a staging table, checks what needs the database
 * set-based and merges the chunk in one statement, while the next chunk is parsed. All of it is
 * one transaction: a crash or a retry starts clean, and re-importing a file adds nothing. Bad
 * rows are kept with their line, field and message (written as they are found, so memory stays
 * bounded by one chunk).
 */
@Injectable()
export class ImportsService {
  private readonly logger = new Logger(ImportsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Imports) private readonly queue: Queue,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly allowList: UsccAllowListService,
    private readonly records: RecordsService,
    private readonly enterprises: EnterprisesService,
    private readonly recompute: RecomputeRequests,
  ) {}

  private path(id: string): string {
    return join(resolve(this.config.UPLOAD_DIR), `${id}.csv`);
  }

  /** Stores the multipart upload (`file`, and `kind` as a field or query parameter), then queues it. */
  async receive(
    request: FastifyRequest,
    query: { kind?: string; mode?: string },
    recorder: Recorder,
  ): Promise<ImportDto> {
    if (!request.isMultipart())
      throw Problem.badRequest('not-multipart', 'Send multipart/form-data with a `file` part and `kind`');
    const id = randomUUID();
    const path = this.path(id);
    await mkdir(resolve(this.config.UPLOAD_DIR), { recursive: true }).catch((error: Error) => {
      throw this.storageFault(error);
    });
    const fields: Record<string, string> = {};
    let file: { name: string; size: number; sha256: string } | null = null;
    let reading = true;
    try {
      for await (const part of request.parts({ limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4 } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file')
            throw Problem.validation([
              { field: part.fieldname, message: 'is not a known field; send the CSV as `file`' },
            ]);
          // The name is shown back to the uploader and stored as text, which cannot hold NUL: a name
          // with control characters (raw, or decoded from filename*=UTF-8''a%00b.csv) is refused.
          if (CONTROL_CHARACTERS.test(part.filename))
            throw Problem.validation([{ field: 'file', message: 'has a file name with control characters' }]);
          const hash = createHash('sha256');
          let size = 0;
          const measure = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              size += chunk.length;
              done(null, chunk);
            },
          });
          await store(part.file, measure, path);
          if (part.file.truncated)
            throw new Problem(
              413,
              'file-too-large',
              'Payload too large',
              `The file is over ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`,
            );
          file = { name: part.filename || 'upload.csv', size, sha256: hash.digest('hex') };
        } else {
          fields[part.fieldname] = String(part.value);
        }
      }
      reading = false;
      const kind = fields.kind ?? query.kind;
      const mode = fields.mode ?? query.mode ?? 'partial';
      const errors: FieldError[] = [];
      for (const name of Object.keys(fields))
        if (name !== 'kind' && name !== 'mode') errors.push({ field: name, message: 'is not a known field' });
      if (!file) errors.push({ field: 'file', message: 'is required: a CSV file' });
      if (!kind || !(IMPORT_KINDS as readonly string[]).includes(kind))
        errors.push({ field: 'kind', message: `must be one of ${IMPORT_KINDS.join(', ')}` });
      if (!(IMPORT_MODES as readonly string[]).includes(mode))
        errors.push({ field: 'mode', message: `must be one of ${IMPORT_MODES.join(', ')}` });
      if (errors.length) throw Problem.validation(errors);
      await this.dataSource.query(
        `INSERT INTO imports (id, kind, mode, file_name, file_size, file_sha256, department_code, jurisdiction, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          id,
          kind,
          mode,
          file!.name.slice(0, 255),
          file!.size,
          file!.sha256,
          recorder.departmentCode,
          recorder.jurisdiction,
          recorder.actor.id,
        ],
      );
    } catch (error) {
      await rm(path, { force: true }).catch(() => undefined);
      if (error instanceof StorageFault) throw this.storageFault(error.cause);
      // The multipart parser's own errors (a cut-off body, a bad boundary) are the client's.
      if (error instanceof Problem || (error as { statusCode?: number }).statusCode) throw error;
      // Past the body, a failure is the server's (recording the import): not the request's.
      if (!reading) throw error;
      throw Problem.badRequest('bad-multipart', `The multipart body could not be read: ${(error as Error).message}`);
    }
    await this.enqueue(id);
    return this.get(id);
  }

  /**
   * The upload directory cannot be written (missing, read-only, full): the server's fault, told to
   * the operator in the log (with the path and the system's error) and to the caller as a 503
   * that names neither.
   */
  private storageFault(error: Error): Problem {
    this.logger.error({ msg: `an upload could not be stored in UPLOAD_DIR: ${error.message}`, err: error });
    return Problem.unavailable(
      'upload-storage-unavailable',
      'The server cannot store uploaded files right now; nothing was imported. Try again later; if it persists, tell an administrator',
      STORAGE_RETRY_AFTER_S,
    );
  }

  /**
   * Queues the import's job; the job id is the import id, so queuing twice runs it once. A job
   * with that id that has already failed for good (or completed) would block the new one, so it
   * is removed first: the import row, not the job, says whether the work is done.
   */
  async enqueue(id: string): Promise<void> {
    const earlier = await this.queue.getJob(id);
    if (earlier && ((await earlier.isFailed()) || (await earlier.isCompleted()))) {
      // A worker starting at the same moment may have removed or requeued it already.
      await earlier.remove().catch(() => undefined);
    }
    await this.queue.add(JobName.ImportFile, { importId: id }, { jobId: id });
  }

  /**
   * The import's job failed for good (every attempt, or its worker died each time): the import
   * ends `failed`, with a reason the uploader can act on. The error itself, which may name server
   * paths, is in the log (JobFailures wrote it).
   */
  async fail(id: string, error: Error): Promise<void> {
    // The error itself, or (read back from a failed job) its message: `ENOENT: no such file…`.
    const cause =
      (error as NodeJS.ErrnoException).syscall || /^E[A-Z]+: /.test(error.message)
        ? 'The uploaded file could not be read on the server'
        : 'The server could not finish this import';
    const failure =
      `${cause}, after several tries; this is not a fault in the file's rows, and nothing was imported. ` +
      `Upload it again; if it fails again, tell an administrator, quoting import ${id}`;
    await this.markFailed(id, failure);
  }

  /** Ends an unfinished import `failed`, with the reason its uploader reads; a finished one stays as it is. */
  private async markFailed(id: string, failure: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE imports SET status = 'failed', failure = $2, finished_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, failure],
    );
  }

  /**
   * Ends `failed` each unfinished import whose job has failed for good: its failure could not be
   * recorded when it happened (the database was out of reach), so nothing else would end it. An
   * unfinished import whose job is gone (Redis lost it) is queued again, if no worker had started
   * it (a running one is requeued when a worker starts). Cheap (a read per unfinished import) and
   * safe to run at any time, by any number of workers.
   */
  async sweep(): Promise<{ failed: number; requeued: number }> {
    const rows: { id: string; status: string }[] = await this.dataSource.query(
      `SELECT id, status FROM imports WHERE status IN ('queued', 'running')`,
    );
    const swept = { failed: 0, requeued: 0 };
    for (const { id, status } of rows) {
      const job = await this.queue.getJob(id);
      if (job && (await job.isFailed())) {
        await this.fail(id, new Error(job.failedReason ?? 'the job failed'));
        swept.failed++;
      } else if (!job && status === 'queued') {
        await this.enqueue(id);
        swept.requeued++;
      }
    }
    return swept;
  }

  /** Queues every import that is not finished: after a restart, or when Redis lost its queue. */
  async requeueUnfinished(): Promise<number> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM imports WHERE status IN ('queued', 'running')`,
    );
    for (const { id } of rows) await this.enqueue(id);
    return rows.length;
  }

  /** `id` is a UUID (the route's `uuidId` pipe checks it). */
  async get(id: string, viewer?: { userId: string; admin: boolean }): Promise<ImportDto> {
    const [row] = await this.dataSource.query(
      `SELECT id, kind, mode, status, file_name, file_size, total_rows, processed_rows, imported_rows, skipped_rows,
              rejected_rows, failure, uploaded_by, created_at, started_at, finished_at FROM imports WHERE id = $1`,
      [id],
    );
    if (!row) throw Problem.notFound('Import', id);
    if (viewer && !viewer.admin && row.uploaded_by !== viewer.userId)
      throw Problem.forbidden('Only the uploader and administrators see an import');
    const errors: ImportErrorDto[] = await this.dataSource.query(
      `SELECT line AS row, field, message FROM import_errors WHERE import_id = $1 ORDER BY line, field LIMIT 1000`,
      [id],
    );
    return {
      id: row.id,
      kind: row.kind,
      mode: row.mode,
      status: row.status,
      fileName: row.file_name,
      fileSize: Number(row.file_size),
      totalRows: row.total_rows,
      processedRows: row.processed_rows,
      importedRows: row.imported_rows,
      skippedRows: row.skipped_rows,
      rejectedRows: row.rejected_rows,
      failure: row.failure,
      errors,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
  }

  /** The worker's job: process one import from its stored file. Safe to run again. */
  async run(id: string, progress: (done: number, total: number | null) => void = () => {}): Promise<void> {
    const [row]: ImportRow[] = await this.dataSource.query(
      `SELECT i.id, i.kind, i.mode, i.status, i.department_code, i.jurisdiction, i.uploaded_by, u.username,
              u.disabled_at IS NOT NULL AS uploader_disabled
         FROM imports i JOIN users u ON u.id = i.uploaded_by WHERE i.id = $1`,
      [id],
    );
    if (!row || !['queued', 'running'].includes(row.status)) return;
    // An account disabled since the upload no longer acts: its queued files are not imported.
    if (row.uploader_disabled) {
      await this.markFailed(
        id,
        `The uploader's account (${row.username}) was disabled before this import ran, so nothing was imported. ` +
          'A user whose account is enabled may upload the file again',
      );
      this.logger.warn(`import ${id}: not run, its uploader ${row.username} is disabled`);
      return;
    }
    const total = await countDataLines(this.path(id));
    // Starting over: errors written by an earlier, interrupted attempt go.
    await this.dataSource.query(`DELETE FROM import_errors WHERE import_id = $1`, [id]);
    await this.dataSource.query(
      `UPDATE imports SET status = 'running', started_at = now(), total_rows = $2, processed_rows = 0 WHERE id = $1`,
      [id, total],
    );
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
      await this.markFailed(id, error.message);
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
    row: ImportRow,
    total: number,
    progress: (done: number, total: number | null) => void,
  ) {
    const spec = IMPORT_SPECS[row.kind];
    const owner = row.kind === 'records' ? this.records : this.enterprises;
    const context: RowContext = {
      today: this.clock.today(),
      allowedCodes: new Set((await this.allowList.list()).map((e) => e.uscc)),
    };
    await runner.query(
      `CREATE TEMP TABLE ${STAGING} (line integer, rejected boolean NOT NULL DEFAULT false, ${spec.staging}) ON COMMIT DROP`,
    );
    await runner.query(`CREATE INDEX ON ${STAGING} (${owner.stagedKey}, line)`);
    const client = pgClient(runner);
    const checker = new RowChecker(spec, context);
    const counts = { imported: 0, skipped: 0 };

    const checkAndMerge = async (lines: { from: number; to: number }, staged: string[]) => {
      await copyLines(client, `COPY ${STAGING} FROM STDIN`, staged);
      // A temporary table has no statistics until asked; the checks and the merge join on it.
      await runner.query(`ANALYZE ${STAGING}`);
      const rejected = await runner.query(
        `WITH problems AS (${owner.stagedProblems(STAGING)}),
              saved AS (INSERT INTO import_errors (import_id, line, field, message)
                        SELECT $1, line, field, message FROM problems RETURNING line)
         UPDATE ${STAGING} SET rejected = true WHERE line IN (SELECT line FROM saved)`,
        [row.id, lines.from, lines.to, row.jurisdiction],
      );
      const inserted =
        row.kind === 'records'
          ? await this.records.mergeStaged(runner.manager, STAGING, lines, {
              departmentCode: row.department_code!,
              createdBy: row.uploaded_by,
              importId: row.id,
            })
          : await this.enterprises.mergeStaged(runner.manager, STAGING, lines);
      counts.imported += inserted;
      counts.skipped += staged.length - rejected[1] - inserted;
    };

    const started = performance.now();
    const parser = createReadStream(this.path(row.id)).pipe(
      parse({ bom: true, relax_column_count: true, info: true, skip_records_with_error: true }),
    );
    parser.on('skip', (error: Error & { lines?: number }) => checker.malformed(error.lines ?? 0, error.message));
    let chunk: string[] = [];
    let lines = { from: 0, to: 0 };
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
        void this.dataSource
          .query(`UPDATE imports SET processed_rows = $2 WHERE id = $1`, [row.id, checker.count])
          .catch(() => undefined);
      }
      if (checker.errors.length >= ERROR_BATCH) await this.saveErrors(row.id, checker.takeErrors());
      if (chunk.length >= this.config.IMPORT_CHUNK_ROWS) await startChunk();
    }
    if (!checker.sawHeader) throw new ImportFailure('The file is empty: expected a header row naming the columns');
    if (chunk.length) await startChunk();
    await merging;
    await this.saveErrors(row.id, checker.takeErrors());

    const [{ rejected }] = await runner.query(
      `SELECT count(DISTINCT line)::int AS rejected FROM import_errors WHERE import_id = $1`,
      [row.id],
    );
    const status: ImportOutcome['status'] = row.mode === 'all-or-nothing' && rejected > 0 ? 'rejected' : 'completed';
    const outcome = {
      status,
      totalRows: checker.count,
      importedRows: status === 'completed' ? counts.imported : 0,
      skippedRows: status === 'completed' ? counts.skipped : 0,
      rejectedRows: rejected,
    };
    // The enterprises whose records changed, to regrade once this transaction has committed.
    const touched: string[] =
      status === 'completed' && row.kind === 'records'
        ? (
            await runner.query(
              `SELECT DISTINCT e.id::text AS id FROM ${STAGING} s JOIN enterprises e ON e.uscc = s.uscc WHERE NOT s.rejected`,
            )
          ).map((r: { id: string }) => r.id)
        : [];
    return { outcome, touched, ms: Math.round(performance.now() - started) };
  }

  /** Records how the import ended and audits it, in the given transaction. */
  private async finish(manager: EntityManager, row: ImportRow, outcome: ImportOutcome): Promise<void> {
    await manager.query(
      `UPDATE imports SET status = $2, total_rows = $3, processed_rows = $3, imported_rows = $4, skipped_rows = $5,
                          rejected_rows = $6, finished_at = now() WHERE id = $1`,
      [row.id, outcome.status, outcome.totalRows, outcome.importedRows, outcome.skippedRows, outcome.rejectedRows],
    );
    await this.audit.record(
      manager,
      { type: 'user', id: row.uploaded_by, name: row.username, requestId: null },
      {
        action: `import.${row.kind}`,
        entityType: 'import',
        entityId: row.id,
        after: outcome,
      },
    );
  }

  private async saveErrors(importId: string, errors: ImportError[]): Promise<void> {
    if (!errors.length) return;
    await this.dataSource.query(
      `INSERT INTO import_errors (import_id, line, field, message)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`,
      [importId, errors.map((e) => e.line), errors.map((e) => e.field), errors.map((e) => e.message)],
    );
  }
}

/**
 * Checks an import's rows one by one: the header once, then each row with the kind's rules,
 * giving the COPY text line of a good row and keeping the errors of a bad one until taken.
 */
class RowChecker {
  private header: Map<string, number> | null = null;
  errors: ImportError[] = [];
  /** Data rows seen (good, bad and malformed). */
  count = 0;

  constructor(
    private readonly spec: ImportKindSpec,
    private readonly context: RowContext,
  ) {}

  get sawHeader(): boolean {
    return this.header !== null;
  }

  takeErrors(): ImportError[] {
    const taken = this.errors;
    this.errors = [];
    return taken;
  }

  malformed(line: number, message: string): void {
    this.count++;
    this.errors.push({ line, field: null, message: `malformed CSV: ${message}` });
  }

  /** undefined for the header, null for a bad row, else the row's COPY line. */
  check(record: string[], line: number): string | null | undefined {
    if (!this.header) {
      this.header = this.readHeader(record);
      return undefined;
    }
    this.count++;
    const header = this.header;
    if (record.length !== header.size) {
      this.errors.push({ line, field: null, message: `has ${record.length} fields; the header has ${header.size}` });
      return null;
    }
    if (record.some((cell) => cell.includes('\uFFFD'))) {
      this.errors.push({ line, field: null, message: 'is not valid UTF-8' });
      return null;
    }
    // PostgreSQL text cannot hold NUL: the row is refused here, naming the cells, not by COPY.
    const withNul = [...header].filter(([, index]) => record[index].includes('\0'));
    if (withNul.length) {
      for (const [name] of withNul) this.errors.push({ line, field: name, message: 'contains a NUL character' });
      return null;
    }
    const row: Record<string, string> = {};
    for (const [name, index] of header) row[name] = record[index];
    const result = this.spec.parse(row, this.context);
    if ('errors' in result) {
      for (const e of result.errors) this.errors.push({ line, field: e.field, message: e.message });
      return null;
    }
    return `${line}\tfalse\t${result.values.map(copyField).join('\t')}\n`;
  }

  private readHeader(record: string[]): Map<string, number> {
    if (record.some((name) => name.includes('\0')))
      throw new ImportFailure('The header row contains a NUL character; it must name the columns in plain text');
    const names = record.map((name) => name.trim());
    const unknown = names.filter((n) => !this.spec.columns.includes(n));
    const missing = this.spec.required.filter((n) => !names.includes(n));
    if (unknown.length || missing.length) {
      throw new ImportFailure(
        [
          unknown.length ? `unknown columns: ${unknown.join(', ')}` : '',
          missing.length ? `missing columns: ${missing.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ') + `. The columns are: ${this.spec.columns.join(', ')}`,
      );
    }
    return new Map(names.map((n, i) => [n, i]));
  }
}

/**
 * Streams an upload into `path`. Whichever stream fails first decides whose fault it is: the
 * file being written (StorageFault) or the request being read (the client's).
 */
async function store(source: Readable, measure: Transform, path: string): Promise<void> {
  const sink = createWriteStream(path);
  let first: 'source' | 'sink' | undefined;
  source.once('error', () => (first ??= 'source'));
  sink.once('error', () => (first ??= 'sink'));
  try {
    await pipeline(source, measure, sink);
  } catch (error) {
    throw first === 'sink' ? new StorageFault(error as Error) : error;
  }
}

/** Lines after the header, counted by newlines (exact unless quoted fields hold line breaks). */
async function countDataLines(path: string): Promise<number> {
  let lines = 0;
  let last = 10;
  await pipeline(
    createReadStream(path),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        last = chunk[chunk.length - 1];
        done();
      },
    }),
  );
  return Math.max(0, lines + (last === 10 ? 0 : 1) - 1);
}
