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
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, QueryRunner } from 'typeorm';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { FieldError, Problem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { JobName, QueueName } from '../jobs/queues';
import { RecordsService } from '../records/records.service';
import { EnterprisesService } from '../registry/enterprises.service';
import { UsccAllowListService } from '../registry/uscc-allowlist.service';
import { copyField } from './csv';
import { ImportDto, ImportErrorDto } from './dto/import.dto';
import { IMPORT_KINDS, IMPORT_SPECS, ImportKind, ImportKindSpec, RowContext } from './import-kinds';

export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;
export const IMPORT_MODES = ['partial', 'all-or-nothing'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

const PROGRESS_EVERY = 20_000;
const ERROR_BATCH = 5_000;
const COPY_CHUNK = 256 * 1024;
const STAGING = 'import_staging';

/** A file that cannot be imported at all (its header, its format); not worth a retry. */
class ImportFailure extends Error {}

interface ImportRow {
  id: string;
  kind: ImportKind;
  mode: ImportMode;
  status: string;
  department_code: string | null;
  uploaded_by: string;
  username: string;
}

/**
 * Bulk imports. The upload is streamed to UPLOAD_DIR and acknowledged with 202; a worker job
 * then parses it as a stream, checks each row on its own (the API's rules), COPYs the good rows
 * into a staging table, checks what needs the database set-based, and merges in one statement,
 * all in one transaction: a crash or a retry starts clean, and re-importing a file adds nothing.
 * Bad rows are kept with their line, field and message.
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
  ) {}

  private path(id: string): string {
    return join(resolve(this.config.UPLOAD_DIR), `${id}.csv`);
  }

  /** Stores the multipart upload (`file`, and `kind` as a field or query parameter), then queues it. */
  async receive(
    request: FastifyRequest,
    query: { kind?: string; mode?: string },
    uploader: Actor,
    departmentCode: string,
  ): Promise<ImportDto> {
    if (!request.isMultipart())
      throw Problem.badRequest('not-multipart', 'Send multipart/form-data with a `file` part and `kind`');
    const id = randomUUID();
    const path = this.path(id);
    await mkdir(resolve(this.config.UPLOAD_DIR), { recursive: true });
    const fields: Record<string, string> = {};
    let file: { name: string; size: number; sha256: string } | null = null;
    try {
      for await (const part of request.parts({ limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4 } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file')
            throw Problem.validation([
              { field: part.fieldname, message: 'is not a known field; send the CSV as `file`' },
            ]);
          const hash = createHash('sha256');
          let size = 0;
          const measure = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              size += chunk.length;
              done(null, chunk);
            },
          });
          await pipeline(part.file, measure, createWriteStream(path));
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
        `INSERT INTO imports (id, kind, mode, file_name, file_size, file_sha256, department_code, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, kind, mode, file!.name.slice(0, 255), file!.size, file!.sha256, departmentCode, uploader.id],
      );
    } catch (error) {
      await rm(path, { force: true });
      // The multipart parser's own errors (a cut-off body, a bad boundary) are the client's.
      if (error instanceof Problem || (error as { statusCode?: number }).statusCode) throw error;
      throw Problem.badRequest('bad-multipart', `The multipart body could not be read: ${(error as Error).message}`);
    }
    await this.enqueue(id);
    return this.get(id);
  }

  /** Queues the import's job; the job id is the import id, so queuing twice runs it once. */
  enqueue(id: string): Promise<unknown> {
    return this.queue.add(JobName.ImportFile, { importId: id }, { jobId: id });
  }

  /** Queues every import that is not finished: after a restart, or when Redis lost its queue. */
  async requeueUnfinished(): Promise<number> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM imports WHERE status IN ('queued', 'running')`,
    );
    for (const { id } of rows) await this.enqueue(id);
    return rows.length;
  }

  async get(id: string, viewer?: { userId: string; admin: boolean }): Promise<ImportDto> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw Problem.validation([{ field: 'id', message: 'must be a UUID' }]);
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
      `SELECT i.id, i.kind, i.mode, i.status, i.department_code, i.uploaded_by, u.username
         FROM imports i JOIN users u ON u.id = i.uploaded_by WHERE i.id = $1`,
      [id],
    );
    if (!row || !['queued', 'running'].includes(row.status)) return;
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
      const outcome = await this.load(runner, row, total, progress);
      await runner.commitTransaction();
      this.logger.log(`import ${id}: ${JSON.stringify(outcome)}`);
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      if (!(error instanceof ImportFailure)) throw error; // Bull retries with back-off
      await this.dataSource.query(
        `UPDATE imports SET status = 'failed', failure = $2, finished_at = now() WHERE id = $1`,
        [id, error.message],
      );
    } finally {
      await runner.release();
    }
  }

  private async load(
    runner: QueryRunner,
    row: ImportRow,
    total: number,
    progress: (done: number, total: number | null) => void,
  ) {
    const spec = IMPORT_SPECS[row.kind];
    const context: RowContext = {
      today: this.clock.now().toISOString().slice(0, 10),
      allowedCodes: new Set((await this.allowList.list()).map((e) => e.uscc)),
    };
    await runner.query(`CREATE TEMP TABLE ${STAGING} (line integer, ${spec.staging}) ON COMMIT DROP`);
    const client = (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
    const copy = client.query(copyFrom(`COPY ${STAGING} FROM STDIN`));
    const rows = new RowChecker(
      spec,
      context,
      (errors) => this.saveErrors(row.id, errors),
      (done) => {
        progress(done, total);
        void this.dataSource
          .query(`UPDATE imports SET processed_rows = $2 WHERE id = $1`, [row.id, done])
          .catch(() => undefined);
      },
    );
    const parser = parse({ bom: true, relax_column_count: true, info: true, skip_records_with_error: true });
    parser.on('skip', (error: Error & { lines?: number }) => rows.malformed(error.lines ?? 0, error.message));
    const started = performance.now();
    await pipeline(createReadStream(this.path(row.id)), parser, rows, copy);
    await rows.flush();
    const copied = performance.now();
    // A temporary table has no statistics until asked; the checks and the merge join on it.
    await runner.query(`ANALYZE ${STAGING}`);

    const owner = row.kind === 'records' ? this.records : this.enterprises;
    await runner.query(
      `INSERT INTO import_errors (import_id, line, field, message) SELECT $1, line, field, message FROM (${owner.stagedProblems(STAGING)}) p`,
      [row.id],
    );
    const [{ rejected }] = await runner.query(
      `SELECT count(DISTINCT line)::int AS rejected FROM import_errors WHERE import_id = $1`,
      [row.id],
    );
    const [{ staged }] = await runner.query(`SELECT count(*)::int AS staged FROM ${STAGING}`);
    let imported = 0;
    let skipped = 0;
    const status = row.mode === 'all-or-nothing' && rejected > 0 ? 'rejected' : 'completed';
    if (status === 'completed') {
      const removed = await runner.query(
        `DELETE FROM ${STAGING} s USING import_errors x WHERE x.import_id = $1 AND x.line = s.line`,
        [row.id],
      );
      const good = staged - removed[1];
      imported =
        row.kind === 'records'
          ? await this.records.mergeStaged(runner.manager, STAGING, row.department_code!, row.uploaded_by)
          : await this.enterprises.mergeStaged(runner.manager, STAGING);
      skipped = good - imported;
    }
    const outcome = {
      status,
      totalRows: rows.count,
      importedRows: imported,
      skippedRows: skipped,
      rejectedRows: rejected,
    };
    const timing = {
      parseAndCopyMs: Math.round(copied - started),
      checkAndMergeMs: Math.round(performance.now() - copied),
    };
    await runner.query(
      `UPDATE imports SET status = $2, total_rows = $3, processed_rows = $3, imported_rows = $4, skipped_rows = $5,
                          rejected_rows = $6, finished_at = now() WHERE id = $1`,
      [row.id, status, rows.count, imported, skipped, rejected],
    );
    progress(rows.count, rows.count);
    await this.audit.record(
      runner.manager,
      { type: 'user', id: row.uploaded_by, name: row.username, requestId: null },
      {
        action: `import.${row.kind}`,
        entityType: 'import',
        entityId: row.id,
        after: outcome,
      },
    );
    return { ...outcome, ...timing };
  }

  private async saveErrors(
    importId: string,
    errors: { line: number; field: string | null; message: string }[],
  ): Promise<void> {
    if (!errors.length) return;
    await this.dataSource.query(
      `INSERT INTO import_errors (import_id, line, field, message)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`,
      [importId, errors.map((e) => e.line), errors.map((e) => e.field), errors.map((e) => e.message)],
    );
  }
}

/**
 * The streaming middle of an import: takes csv-parse records (with their line), checks the
 * header once, checks each row with the kind's rules, and emits COPY text lines for the good
 * ones; bad rows are handed to `saveErrors` in batches. Holds one batch of errors at most.
 */
class RowChecker extends Transform {
  private header: Map<string, number> | null = null;
  private pending: { line: number; field: string | null; message: string }[] = [];
  /** COPY lines gathered into chunks of about 256 KB: one small write per row is slow. */
  private chunk = '';
  count = 0;

  constructor(
    private readonly spec: ImportKindSpec,
    private readonly context: RowContext,
    private readonly saveErrors: (errors: { line: number; field: string | null; message: string }[]) => Promise<void>,
    private readonly onProgress: (done: number) => void,
  ) {
    super({ writableObjectMode: true });
  }

  malformed(line: number, message: string): void {
    this.count++;
    this.pending.push({ line, field: null, message: `malformed CSV: ${message}` });
  }

  override _transform(
    chunk: { record: string[]; info: { lines: number } },
    _encoding: string,
    done: (error?: Error | null) => void,
  ): void {
    const { record, info } = chunk;
    if (!this.header) {
      try {
        this.header = this.readHeader(record);
        done();
      } catch (error) {
        done(error as Error);
      }
      return;
    }
    this.count++;
    const line = info.lines;
    const out = this.check(record, line);
    if (out) {
      this.chunk += out;
      if (this.chunk.length >= COPY_CHUNK) {
        this.push(this.chunk);
        this.chunk = '';
      }
    }
    if (this.count % PROGRESS_EVERY === 0) this.onProgress(this.count);
    if (this.pending.length >= ERROR_BATCH) {
      const batch = this.pending;
      this.pending = [];
      this.saveErrors(batch).then(() => done(), done);
    } else {
      done();
    }
  }

  override _flush(done: (error?: Error | null) => void): void {
    if (!this.header) return done(new ImportFailure('The file is empty: expected a header row naming the columns'));
    if (this.chunk) this.push(this.chunk);
    this.chunk = '';
    done();
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    await this.saveErrors(batch);
  }

  private readHeader(record: string[]): Map<string, number> {
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

  /** The COPY line for a good row, or null after recording why the row is bad. */
  private check(record: string[], line: number): string | null {
    const header = this.header!;
    if (record.length !== header.size) {
      this.pending.push({ line, field: null, message: `has ${record.length} fields; the header has ${header.size}` });
      return null;
    }
    if (record.some((cell) => cell.includes('\uFFFD'))) {
      this.pending.push({ line, field: null, message: 'is not valid UTF-8' });
      return null;
    }
    const row: Record<string, string> = {};
    for (const [name, index] of header) row[name] = record[index];
    const result = this.spec.parse(row, this.context);
    if ('errors' in result) {
      for (const e of result.errors) this.pending.push({ line, field: e.field, message: e.message });
      return null;
    }
    return `${line}\t${result.values.map(copyField).join('\t')}\n`;
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
