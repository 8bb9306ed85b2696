import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import '@fastify/multipart'; // types for request.parts()
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FieldError, Problem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { JobName, QueueName, queueOnce } from '../jobs/queues';
import { sha256 } from '../common/body-digest';
import { claimIdempotency } from '../idempotency/idempotency';
import { Recorder } from '../records/recorder';
import { ImportDto } from './dto/import.dto';
import { IMPORT_KINDS, IMPORT_MODES, IMPORT_SPECS, ImportKind } from './import-kinds';
import { rejectedRowsCsv } from './import-files';
import { ImportAttention, ImportsRepository, ImportView } from './imports.repository';
import { prepareUpload } from './incoming-file';
import { ImportFailure } from './row-checker';
import { receiveUpload, StorageFault, unreadableFile, uploadPath } from './upload-files';

export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

/** Lines of errors read at a time for the rejected rows' file. */
const ERROR_PAGE = 2_000;

/** Seconds a caller is asked to wait when uploads cannot be stored. */
const STORAGE_RETRY_AFTER_S = 60;

/** What identifies an upload for Idempotency-Key: the file's SHA-256 and name, and the fields (not the multipart boundary). */
function uploadDigest(fileSha256: string, fileName: string, kind: string, mode: string): Buffer {
  return sha256(JSON.stringify({ file: { sha256: fileSha256, name: fileName }, kind, mode }));
}

/**
 * Bulk imports, the side of the upload: the file is streamed to UPLOAD_DIR, the import recorded
 * and its job queued (ImportJob runs it on a worker), and the request acknowledged with 202. Also
 * what keeps the queue in step with the imports table (a job lost with Redis, or failed for good),
 * and the import as its uploader reads it.
 */
@Injectable()
export class ImportsService {
  private readonly logger = new Logger(ImportsService.name);

  constructor(
    @InjectQueue(QueueName.Imports) private readonly queue: Queue,
    private readonly imports: ImportsRepository,
    private readonly config: AppConfig,
  ) {}

  /** Stores the multipart upload (`file`, and `kind` as a field or query parameter), then queues it. */
  async receive(
    request: FastifyRequest,
    query: { kind?: string; mode?: string },
    recorder: Recorder,
  ): Promise<ImportDto> {
    if (!request.isMultipart())
      throw Problem.badRequest('not-multipart', {
        en: 'Send multipart/form-data with a `file` part and `kind`',
        zh: '请以 multipart/form-data 发送，包含 `file` 文件和 `kind`',
      });
    const id = randomUUID();
    const path = uploadPath(this.config.UPLOAD_DIR, id);
    // The bytes as sent, until they are made into the worker's CSV at `path` (prepareUpload).
    const raw = `${path}.upload`;
    await mkdir(resolve(this.config.UPLOAD_DIR), { recursive: true }).catch((error: Error) => {
      throw this.storageFault(error);
    });
    try {
      const { fields, file, validUtf8 } = await receiveUpload(request, raw, { maxBytes: MAX_UPLOAD_BYTES, fields: 4 });
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
      // With an Idempotency-Key: the same file and fields sent again get the first answer, not a second import.
      await claimIdempotency(request, uploadDigest(file!.sha256, file!.name, kind!, mode));
      await this.prepare(raw, path, kind as ImportKind, validUtf8);
      await this.imports.create({
        id,
        kind: kind!,
        mode,
        fileName: file!.name.slice(0, 255),
        fileSize: file!.size,
        fileSha256: file!.sha256,
        departmentCode: recorder.departmentCode,
        jurisdiction: recorder.jurisdiction,
        uploadedBy: recorder.actor.id,
      });
    } catch (error) {
      await rm(path, { force: true }).catch(() => undefined);
      await rm(raw, { force: true }).catch(() => undefined);
      if (error instanceof StorageFault) throw this.storageFault(error.cause);
      throw error;
    }
    await this.enqueue(id);
    return this.get(id);
  }

  /**
   * Makes the stored upload into the worker's UTF-8 CSV (a GBK CSV decoded, an xlsx's first
   * worksheet written out) and checks its header: a file that cannot be read at all is refused
   * with 400 `unreadable-file` naming `file`, in English and Chinese, before anything is recorded.
   */
  private async prepare(raw: string, path: string, kind: ImportKind, validUtf8: boolean): Promise<void> {
    try {
      await prepareUpload(raw, path, IMPORT_SPECS[kind], validUtf8);
    } catch (error) {
      if (!(error instanceof ImportFailure)) throw error;
      throw unreadableFile(error);
    } finally {
      await rm(raw, { force: true }).catch(() => undefined);
    }
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
      {
        en: 'The server cannot store uploaded files right now; nothing was imported. Try again later; if it persists, tell an administrator',
        zh: '服务器暂时无法保存上传的文件，未导入任何内容。请稍后重试；如仍然失败，请联系管理员',
      },
      STORAGE_RETRY_AFTER_S,
    );
  }

  /** Queues the import's job; the job id is the import id, so queuing twice runs it once. */
  enqueue(id: string): Promise<void> {
    return queueOnce(this.queue, JobName.ImportFile, { importId: id }, id);
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
    await this.imports.markFailed(id, failure);
  }

  /**
   * Ends `failed` each unfinished import whose job has failed for good: its failure could not be
   * recorded when it happened (the database was out of reach), so nothing else would end it. An
   * unfinished import whose job is gone (Redis lost it) is queued again, if no worker had started
   * it (a running one is requeued when a worker starts). Cheap (a read per unfinished import) and
   * safe to run at any time, by any number of workers.
   */
  async sweep(): Promise<{ failed: number; requeued: number }> {
    const rows = await this.imports.unfinished();
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
    const rows = await this.imports.unfinished();
    for (const { id } of rows) await this.enqueue(id);
    return rows.length;
  }

  /**
   * Imports that failed or rejected rows, finished since `since`: an uploader's own, or everyone's
   * for an administrator (`uploadedBy` null). What the console's to-do lists and counts.
   */
  attention(since: Date, uploadedBy: string | null, limit: number): Promise<ImportAttention[]> {
    return this.imports.attention(since, uploadedBy, limit);
  }

  attentionCount(since: Date, uploadedBy: string | null): Promise<number> {
    return this.imports.attentionCount(since, uploadedBy);
  }

  /** The latest imports a viewer may read: their own, or everyone's for an administrator. */
  recent(viewer: { userId: string; admin: boolean }, limit = 20): Promise<Omit<ImportView, 'uploadedBy'>[]> {
    return this.imports.recent(viewer.admin ? null : viewer.userId, limit);
  }

  /**
   * The rejected rows of an import the viewer may read, as CSV (UTF-8 with BOM): its columns and
   * the reason, in the viewer's language. Streams, however many rows were rejected.
   */
  async rejectedRows(id: string, viewer: { userId: string; admin: boolean }, lang: 'zh' | 'en') {
    const found = await this.imports.find(id);
    if (!found || (!viewer.admin && found.uploadedBy !== viewer.userId)) await this.get(id, viewer); // the same refusal
    return {
      fileName: found!.fileName,
      csv: rejectedRowsCsv(
        found!.kind,
        uploadPath(this.config.UPLOAD_DIR, id),
        (line) => this.imports.errorsAfter(id, line, ERROR_PAGE),
        lang,
      ),
    };
  }

  /** `id` is a UUID (the route's `uuidId` pipe checks it). */
  async get(id: string, viewer?: { userId: string; admin: boolean }): Promise<ImportDto> {
    const found = await this.imports.find(id);
    if (!found) throw Problem.notFound('Import', id);
    if (viewer && !viewer.admin && found.uploadedBy !== viewer.userId)
      throw Problem.forbidden({
        en: 'Only the uploader and administrators see an import',
        zh: '只有上传人和管理员可以查看导入',
      });
    const { uploadedBy: _uploadedBy, createdAt, startedAt, finishedAt, ...counts } = found;
    return { ...counts, errors: await this.imports.errorsOf(id), createdAt, startedAt, finishedAt };
  }
}
