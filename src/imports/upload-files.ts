import '@fastify/multipart'; // types for request.parts()
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Problem } from '../common/problem';
import { StorageFault, store } from '../common/upload-stream';
import { Utf8Watch } from './incoming-file';
import { ImportFailure } from './row-checker';

export { StorageFault };

/** Where an import's uploaded file is kept, in UPLOAD_DIR, until it is imported. */
export function uploadPath(uploadDir: string, id: string): string {
  return join(resolve(uploadDir), `${id}.csv`);
}

/** Lines after the header, counted by newlines (exact unless quoted fields hold line breaks). */
export async function countDataLines(path: string): Promise<number> {
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

/** Control characters (C0, DEL, C1): never part of a file name a person gave. */
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** A multipart form with one file, as received: its fields, and the file stored at the given path. */
export interface ReceivedUpload {
  fields: Record<string, string>;
  /** Null when the form came without a file (a file part with no name and no byte is none). */
  file: { name: string; size: number; sha256: string } | null;
  /** Whether every byte of the file is UTF-8 (encodingOf). */
  validUtf8: boolean;
}

/**
 * Reads a multipart form whose one file part is `file`, streaming the file into `raw` while
 * measuring its size, SHA-256 and UTF-8-ness. Refuses (Problem) a file part under another name,
 * a file name with control characters, a file over `maxBytes` (413 `file-too-large`) and a body
 * the multipart parser cannot read (400 `bad-multipart`); StorageFault when `raw` cannot be
 * written. The caller removes `raw` when this throws.
 */
export async function receiveUpload(
  request: FastifyRequest,
  raw: string,
  limits: { maxBytes: number; fields: number },
): Promise<ReceivedUpload> {
  if (!request.isMultipart())
    throw Problem.badRequest('not-multipart', {
      en: 'Send multipart/form-data with a `file` part',
      zh: '请以 multipart/form-data 发送，包含 `file` 文件',
    });
  const utf8 = new Utf8Watch();
  const fields: Record<string, string> = {};
  let file: ReceivedUpload['file'] = null;
  try {
    for await (const part of request.parts({
      limits: { fileSize: limits.maxBytes, files: 1, fields: limits.fields },
    })) {
      if (part.type !== 'file') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file')
        throw Problem.validation([{ field: part.fieldname, message: 'is not a known field; send the file as `file`' }]);
      // The name is shown back to the uploader and stored as text, which cannot hold NUL: a name
      // with control characters (raw, or decoded from filename*=UTF-8''a%00b.csv) is refused.
      if (CONTROL_CHARACTERS.test(part.filename))
        throw Problem.validation([{ field: 'file', message: 'has a file name with control characters' }]);
      const hash = createHash('sha256');
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          utf8.feed(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await store(part.file, measure, raw);
      if (part.file.truncated) throw tooLarge(limits.maxBytes);
      if (part.filename || size) file = { name: part.filename || 'upload.csv', size, sha256: hash.digest('hex') };
    }
  } catch (error) {
    // The multipart parser's own errors (a cut-off body, a bad boundary) are the client's.
    if (error instanceof Problem || error instanceof StorageFault || (error as { statusCode?: number }).statusCode)
      throw error;
    throw Problem.badRequest('bad-multipart', {
      en: `The multipart body could not be read: ${(error as Error).message}`,
      zh: `无法读取上传内容：${(error as Error).message}`,
    });
  }
  return { fields, file, validUtf8: utf8.valid() };
}

/** 413 `file-too-large`: the file is over the route's limit (in MB in the message). */
export function tooLarge(maxBytes: number): Problem {
  const mb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
  return new Problem(413, 'file-too-large', 'Payload too large', {
    en: `The file is over ${mb} MB`,
    zh: `文件超过 ${mb} MB`,
  });
}

/** 400 `unreadable-file` naming `file`: an upload that cannot be read as a table at all, in English and Chinese. */
export function unreadableFile(error: ImportFailure): Problem {
  return new Problem(
    400,
    'unreadable-file',
    'Bad request',
    { en: error.message, zh: error.zh },
    { errors: [{ field: 'file', message: error.message }] },
  );
}
