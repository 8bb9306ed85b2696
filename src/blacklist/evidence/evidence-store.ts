import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import '@fastify/multipart'; // types for request.parts()
import type { FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Problem, ProblemText } from '../../common/problem';
import { StorageFault, store, sweepLeftovers } from '../../common/upload-stream';
import { AppConfig } from '../../config/app-config';
import { EvidenceType, SNIFF_BYTES, sniffEvidenceType } from './evidence-type';

/** At most this many files to one objection or repair application. */
export const MAX_EVIDENCE_FILES = 5;
/** At most this many bytes in one evidence file (10 MB). */
export const MAX_EVIDENCE_BYTES = 10 * 1024 * 1024;
/** The form field that carries the files. */
export const EVIDENCE_FIELD = 'files';

/** A text field of a filing (the statement) may hold this many bytes. */
const MAX_FIELD_BYTES = 64 * 1024;
/** File parts read at all: those past MAX_EVIDENCE_FILES are read to their end and refused. */
const MAX_FILE_PARTS = 20;
const CONTROL_CHARACTERS = /\p{Cc}/u;
const STORAGE_RETRY_AFTER_S = 60;

/** An evidence file received and checked, kept under a temporary name until its filing commits. */
export interface StagedFile {
  id: string;
  name: string;
  contentType: EvidenceType;
  size: number;
  sha256: string;
}

/**
 * A filing's multipart form: its text fields (the named ones) and its checked files; or, when a
 * file was refused, the refusal (400, or 413 for a file too large) naming every file at fault,
 * with no file kept, and the text fields still there to show the form again.
 */
export interface FilingUpload {
  fields: Record<string, string>;
  files: StagedFile[];
  refusal: Problem | null;
}

const quoted = (name: string) => ({ zh: `「${name}」`, en: `"${name}"` });

/**
 * The evidence files of objections and repair applications, in EVIDENCE_DIR: received from a
 * multipart form into temporary names (each one's type read from its content, its size and
 * SHA-256 measured), then either kept (renamed to the id its row names, once the row has
 * committed) or discarded. A refused upload leaves neither a row nor a file.
 */
@Injectable()
export class EvidenceStore implements OnApplicationBootstrap {
  private readonly logger = new Logger(EvidenceStore.name);
  private readonly dir: string;

  constructor(config: AppConfig) {
    this.dir = resolve(config.EVIDENCE_DIR);
  }

  /** Deletes the `.part` files of filings a killed process never finished. */
  async onApplicationBootstrap(): Promise<void> {
    const deleted = await sweepLeftovers(this.dir, /^\..+\.part$/);
    if (deleted) this.logger.warn(`deleted ${deleted} unfinished evidence upload(s) left in EVIDENCE_DIR`);
  }

  /** Where a kept file lives. */
  path(id: string): string {
    return join(this.dir, id);
  }

  private temp(id: string): string {
    return join(this.dir, `.${id}.part`);
  }

  /**
   * Reads the form: the text fields named in `fieldNames` (others are refused), and up to
   * MAX_EVIDENCE_FILES files in `files`, each a PDF, JPEG or PNG by its content and at most
   * MAX_EVIDENCE_BYTES. The whole body is read either way, so the refusal reaches a browser that is
   * still sending. Throws for a body that is not a readable multipart form (400) or files that
   * cannot be written (503); see FilingUpload for refused files.
   */
  async receive(request: FastifyRequest, fieldNames: readonly string[]): Promise<FilingUpload> {
    if (!request.isMultipart())
      throw Problem.badRequest('not-multipart', {
        en: `Send multipart/form-data with the fields ${fieldNames.join(', ')} and up to ${MAX_EVIDENCE_FILES} files as \`${EVIDENCE_FIELD}\``,
        zh: `请以 multipart/form-data 发送，包含 ${fieldNames.join('、')}，以及最多 ${MAX_EVIDENCE_FILES} 个文件（字段 ${EVIDENCE_FIELD}）`,
      });
    await mkdir(this.dir, { recursive: true }).catch((error: Error) => {
      throw this.storageFault(error);
    });
    const fields: Record<string, string> = {};
    const files: StagedFile[] = [];
    const refusals: ProblemText[] = [];
    const unknown: string[] = [];
    let tooLarge = false;
    let extra = 0;
    try {
      // A file past the size limit is cut off and read to its end (not an error that ends the
      // reading midway): the refusal then names it, and the browser, done sending, sees it.
      const options: Parameters<FastifyRequest['parts']>[0] & { throwFileSizeLimit: boolean } = {
        limits: {
          fileSize: MAX_EVIDENCE_BYTES,
          files: MAX_FILE_PARTS,
          fields: fieldNames.length + 4,
          fieldSize: MAX_FIELD_BYTES,
        },
        throwFileSizeLimit: false,
      };
      const parts = request.parts(options);
      for await (const part of parts) {
        if (part.type === 'field') {
          if (!fieldNames.includes(part.fieldname)) unknown.push(part.fieldname);
          else if (part.valueTruncated)
            refusals.push({ en: `${part.fieldname} is too long`, zh: `${part.fieldname} 内容过长` });
          else if (!(part.fieldname in fields)) fields[part.fieldname] = String(part.value);
          continue;
        }
        if (part.fieldname !== EVIDENCE_FIELD) {
          unknown.push(part.fieldname);
          await drain(part.file);
          continue;
        }
        // A form sent with no file chosen has a file part without a name or a byte: no file.
        if (!part.filename) {
          await drain(part.file);
          continue;
        }
        if (files.length + extra >= MAX_EVIDENCE_FILES) {
          extra++;
          await drain(part.file);
          continue;
        }
        const name = part.filename.normalize('NFC');
        if (CONTROL_CHARACTERS.test(name) || name.length > 255) {
          refusals.push({
            en: `A file's name is over 255 characters or holds control characters`,
            zh: '有文件的名称超过 255 个字符或含有控制字符',
          });
          await drain(part.file);
          continue;
        }
        const staged = await this.stage(part.file);
        const label = quoted(name);
        if (part.file.truncated) {
          tooLarge = true;
          await rm(this.temp(staged.id), { force: true });
          refusals.push({
            en: `${label.en} is over ${MAX_EVIDENCE_BYTES / 1024 / 1024} MB`,
            zh: `${label.zh}超过 ${MAX_EVIDENCE_BYTES / 1024 / 1024} MB`,
          });
        } else if (staged.size === 0) {
          await rm(this.temp(staged.id), { force: true });
          refusals.push({ en: `${label.en} is empty`, zh: `${label.zh}是空文件` });
        } else if (!staged.contentType) {
          await rm(this.temp(staged.id), { force: true });
          refusals.push({
            en: `${label.en} is not a PDF, JPEG or PNG file (judged by its content, not its name)`,
            zh: `${label.zh}不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与扩展名无关）`,
          });
        } else {
          files.push({ ...staged, name, contentType: staged.contentType });
        }
      }
    } catch (error) {
      await this.discard(files);
      if (error instanceof StorageFault) throw this.storageFault(error.cause);
      // The parser's own errors (too many parts, a cut-off body, a bad boundary) are the client's.
      if ((error as { statusCode?: number }).statusCode) throw error;
      throw Problem.badRequest('bad-multipart', {
        en: `The multipart body could not be read: ${(error as Error).message}`,
        zh: `无法读取上传内容：${(error as Error).message}`,
      });
    }
    if (extra > 0)
      refusals.push({
        en: `At most ${MAX_EVIDENCE_FILES} files may be attached; ${files.length + extra} were sent`,
        zh: `最多可附 ${MAX_EVIDENCE_FILES} 个文件，本次选择了 ${files.length + extra} 个`,
      });
    if (unknown.length)
      refusals.push({
        en: `Unknown fields: ${[...new Set(unknown)].join(', ')}`,
        zh: `表单中有不认识的字段：${[...new Set(unknown)].join('、')}`,
      });
    if (refusals.length) {
      await this.discard(files);
      const text = {
        en: `${refusals.map((r) => r.en).join('; ')}. Nothing was filed`,
        zh: `${refusals.map((r) => r.zh).join('；')}。本次未提交任何内容`,
      };
      const refusal = new Problem(
        tooLarge ? 413 : 400,
        tooLarge ? 'evidence-too-large' : 'evidence-refused',
        tooLarge ? 'Payload too large' : 'Bad request',
        text,
        { errors: [{ field: EVIDENCE_FIELD, message: text.en }] },
      );
      return { fields, files: [], refusal };
    }
    return { fields, files, refusal: null };
  }

  /**
   * Gives the files their final names, then runs the filing that records their rows; if the
   * filing fails, the files are removed and its error passes on. Named before the rows commit, a
   * file is never missing for a row that did (a crash between the two leaves a file no row names,
   * which is never served).
   */
  async filed<T>(files: StagedFile[], filing: () => Promise<T>): Promise<T> {
    try {
      for (const file of files) await rename(this.temp(file.id), this.path(file.id));
    } catch (error) {
      await this.remove(files);
      throw this.storageFault(error as Error);
    }
    try {
      return await filing();
    } catch (error) {
      await this.remove(files);
      throw error;
    }
  }

  /** Removes the files of a filing that did not happen, under either name. */
  private async remove(files: StagedFile[]): Promise<void> {
    await this.discard(files);
    await Promise.all(files.map((f) => rm(this.path(f.id), { force: true }).catch(() => undefined)));
  }

  /** Removes files received but not filed. */
  async discard(files: StagedFile[]): Promise<void> {
    await Promise.all(files.map((f) => rm(this.temp(f.id), { force: true }).catch(() => undefined)));
  }

  /** A kept file's bytes, or null when it is missing from the disk (logged: a row names it). */
  async open(id: string): Promise<ReadStream | null> {
    const path = this.path(id);
    const found = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!found) {
      this.logger.error({ msg: `evidence file ${id} is named by its row but missing from EVIDENCE_DIR` });
      return null;
    }
    return createReadStream(path);
  }

  /** Writes one file part to a temporary name, measuring it and reading its first bytes. */
  private async stage(
    source: Readable,
  ): Promise<Omit<StagedFile, 'name' | 'contentType'> & { contentType: EvidenceType | null }> {
    const id = randomUUID();
    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
        done(null, chunk);
      },
    });
    try {
      await store(source, measure, this.temp(id));
    } catch (error) {
      await rm(this.temp(id), { force: true }).catch(() => undefined);
      throw error;
    }
    return { id, size, sha256: hash.digest('hex'), contentType: sniffEvidenceType(head) };
  }

  private storageFault(error: Error): Problem {
    this.logger.error({ msg: `an evidence file could not be stored in EVIDENCE_DIR: ${error.message}`, err: error });
    return Problem.unavailable(
      'evidence-storage-unavailable',
      {
        en: 'The server cannot store uploaded files right now; nothing was filed. Try again later; if it persists, tell an administrator',
        zh: '服务器暂时无法保存上传的文件，本次未提交任何内容。请稍后重试；如仍然失败，请联系管理员',
      },
      STORAGE_RETRY_AFTER_S,
    );
  }
}

/** Reads a part to its end, keeping nothing (the parser moves on only once a part is read). */
function drain(source: Readable): Promise<void> {
  return pipeline(
    source,
    new Writable({
      write(_chunk, _encoding, done) {
        done();
      },
    }),
  );
}
