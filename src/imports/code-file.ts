import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Problem } from '../common/problem';
import { sweepLeftovers } from '../common/upload-stream';
import { AppConfig } from '../config/app-config';
import { TableRow, uploadedRows, XLSX_LIMITS, XlsxLimits } from './incoming-file';

import { ImportFailure } from './row-checker';
import { receiveUpload, StorageFault, unreadableFile } from './upload-files';

/**
 * What an xlsx of credit codes may unpack to: a million codes of 18 characters fill about 40 MB
 * of sheet and shared strings; an import's limits (a gigabyte) would let a handful of uploads
 * at once hold gigabytes of shared strings in the API's memory.
 */
const CODE_LIST_XLSX: XlsxLimits = {
  ...XLSX_LIMITS,
  unzippedBytes: 128 * 1024 ** 2,
  sharedStringsBytes: 64 * 1024 ** 2,
};

/** A cell of a list of credit codes as uploaded, with its row in the file (1-based, as Excel numbers it). */
export interface UploadedCode {
  row: number;
  input: string;
}

/** A header cell that names the column of codes (any case, spaces ignored). */
const CODE_HEADERS = new Set(['统一社会信用代码', '社会信用代码', '信用代码', 'uscc', 'usccs', 'code', 'creditcode']);
const isCodeHeader = (cell: string) => CODE_HEADERS.has(cell.replace(/[\s_-]/g, '').toLowerCase());

/** 10000 → `10 000` (with a no-break space, so the number never wraps). */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');

const failure = (en: string, zh: string) => new ImportFailure(en, zh);

/**
 * The codes of an uploaded list: one column, its header (统一社会信用代码, uscc) optional. A
 * first row naming the column is skipped; in a file of several columns that header says which
 * one holds the codes, and without it such a file is refused. Empty cells are left out; the
 * cells are returned as written (the credit-code check is the service's). More than `max` codes
 * stops the reading.
 */
export async function readCodes(rows: AsyncIterable<TableRow>, max: number): Promise<UploadedCode[]> {
  const codes: UploadedCode[] = [];
  let column = -1;
  for await (const { number, cells } of rows) {
    if (column < 0) {
      column = cells.findIndex(isCodeHeader);
      if (column >= 0) continue;
      if (cells.length > 1)
        throw failure(
          `The file has ${cells.length} columns: keep the credit codes only, or name their column 统一社会信用代码 (or uscc) in the first row`,
          `文件有 ${cells.length} 列：请只保留统一社会信用代码一列，或在第一行用“统一社会信用代码”（或 uscc）标明代码所在的列`,
        );
      column = 0;
    }
    const input = (cells[column] ?? '').trim();
    if (!input) continue;
    if (codes.length === max)
      throw failure(
        `The file holds more than ${grouped(max)} codes; split it into files of at most ${grouped(max)}`,
        `文件中的代码超过 ${grouped(max)} 个，请拆分为每个不超过 ${grouped(max)} 个的文件`,
      );
    codes.push({ row: number, input });
  }
  if (!codes.length)
    throw failure('The file holds no credit code', '文件中没有统一社会信用代码：请在第一列填写代码，每行一个');
  return codes;
}

/** A list of codes received from a form: its other fields, the file's name and its codes. */
export interface ReceivedCodes {
  fields: Record<string, string>;
  fileName: string;
  codes: UploadedCode[];
}

/**
 * Lists of credit codes uploaded as CSV (UTF-8, with or without BOM, or GBK) or xlsx, read by the
 * imports' readers (uploadedRows: the same formats, the same refusals of zip bombs, programs and
 * oversized cells). The file is kept in UPLOAD_DIR only while it is read, and removed whatever
 * happens: nothing of it is stored.
 */
@Injectable()
export class CodeFiles implements OnApplicationBootstrap {
  private readonly logger = new Logger(CodeFiles.name);

  constructor(private readonly config: AppConfig) {}

  /** Deletes the code files of uploads a killed process never finished reading. */
  async onApplicationBootstrap(): Promise<void> {
    const deleted = await sweepLeftovers(resolve(this.config.UPLOAD_DIR), /\.codes$/);
    if (deleted) this.logger.warn(`deleted ${deleted} unfinished code-list upload(s) left in UPLOAD_DIR`);
  }

  /**
   * The form's fields and the codes of its file (`file`, at most `maxBytes` and `maxCodes`): 400
   * `unreadable-file` for a file that is no table of codes, 413 for one too large, a validation
   * problem naming `file` when none was chosen.
   */
  async receive(request: FastifyRequest, limits: { maxBytes: number; maxCodes: number }): Promise<ReceivedCodes> {
    const raw = join(resolve(this.config.UPLOAD_DIR), `${randomUUID()}.codes`);
    try {
      await mkdir(resolve(this.config.UPLOAD_DIR), { recursive: true }).catch((error: Error) => {
        throw new StorageFault(error);
      });
      const { fields, file, validUtf8 } = await receiveUpload(request, raw, { maxBytes: limits.maxBytes, fields: 4 });
      if (!file) throw Problem.validation([{ field: 'file', message: 'is required: a CSV or xlsx file' }]);
      const codes = await readCodes(uploadedRows(raw, validUtf8, 1, CODE_LIST_XLSX), limits.maxCodes).catch(
        (error: unknown) => {
          throw error instanceof ImportFailure ? unreadableFile(error) : error;
        },
      );
      return { fields, fileName: file.name.slice(0, 255), codes };
    } catch (error) {
      if (!(error instanceof StorageFault)) throw error;
      this.logger.error({ msg: `an upload could not be stored in UPLOAD_DIR: ${error.message}`, err: error.cause });
      throw Problem.unavailable(
        'upload-storage-unavailable',
        {
          en: 'The server cannot store uploaded files right now; nothing was done. Try again later; if it persists, tell an administrator',
          zh: '服务器暂时无法保存上传的文件，未做任何处理。请稍后重试；如仍然失败，请联系管理员',
        },
        60,
      );
    } finally {
      await rm(raw, { force: true }).catch(() => undefined);
    }
  }
}
