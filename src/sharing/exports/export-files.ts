import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { createGunzip, createGzip } from 'node:zlib';
import { csvStream } from '../../common/csv';

export interface WrittenFile {
  name: string;
  rows: number;
  bytes: number;
  sha256: string;
}

type Row = Record<string, unknown>;

/**
 * Joins the small chunks a row-by-row writer emits (a line each) into pieces of 64 KiB: zlib
 * compresses each written chunk as a task of the thread pool, and a task per line spent most of
 * an archive's time going to and from the pool (8 000 rows/s written; 77 000 with this).
 */
function coalesce(size = 65_536): Transform {
  let pending: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _, next) {
      pending.push(chunk);
      length += chunk.length;
      if (length < size) return next();
      const joined = Buffer.concat(pending, length);
      [pending, length] = [[], 0];
      next(null, joined);
    },
    flush(next) {
      next(null, length ? Buffer.concat(pending, length) : undefined);
    },
  });
}

/** One gzip file being written row by row: CSV (with a header row) or NDJSON. */
export class GzipRows {
  private readonly input: Writable;
  private readonly done: Promise<void>;
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private rows = 0;

  constructor(
    readonly name: string,
    path: string,
    columns: string[] | null,
  ) {
    this.input = columns
      ? csvStream({ header: true, columns, cast: { date: (d) => d.toISOString(), object: (o) => JSON.stringify(o) } })
      : new Transform({
          writableObjectMode: true,
          transform: (row, _, next) => next(null, `${JSON.stringify(row)}\n`),
        });
    const count = new Transform({
      transform: (chunk: Buffer, _, next) => {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        next(null, chunk);
      },
    });
    this.done = pipeline(this.input as unknown as Transform, coalesce(), createGzip(), count, createWriteStream(path));
  }

  async write(row: Row): Promise<void> {
    this.rows++;
    if (!this.input.write(row)) await new Promise((resolve) => this.input.once('drain', resolve));
  }

  async end(): Promise<WrittenFile> {
    this.input.end();
    await this.done;
    return { name: this.name, rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Stops writing: the pipeline is torn down and the file closed, as it stands. */
  async abort(): Promise<void> {
    this.input.destroy();
    await this.done.catch(() => undefined);
  }
}

/** A data set written twice, as `<name>.csv.gz` and `<name>.ndjson.gz`. */
export class DataSetWriter {
  private readonly files: GzipRows[];

  constructor(dir: string, name: string, columns: string[]) {
    this.files = [
      new GzipRows(`${name}.csv.gz`, `${dir}/${name}.csv.gz`, columns),
      new GzipRows(`${name}.ndjson.gz`, `${dir}/${name}.ndjson.gz`, null),
    ];
  }

  async write(rows: Row[]): Promise<void> {
    for (const row of rows) for (const file of this.files) await file.write(row);
  }

  async end(): Promise<WrittenFile[]> {
    return Promise.all(this.files.map((f) => f.end()));
  }

  async abort(): Promise<void> {
    await Promise.all(this.files.map((f) => f.abort()));
  }
}

/**
 * A gzip CSV file as read back from disk: the SHA-256 of its bytes and its rows under the header
 * (parsed, not counted by line: a quoted cell may hold a line break). What an archive is checked
 * against before the rows it holds leave the database.
 */
export async function readGzipCsv(path: string): Promise<{ rows: number; sha256: string }> {
  const hash = createHash('sha256');
  let rows = 0;
  await pipeline(
    createReadStream(path),
    new Transform({
      transform: (chunk: Buffer, _, next) => {
        hash.update(chunk);
        next(null, chunk);
      },
    }),
    createGunzip(),
    parse({ columns: true }),
    new Writable({
      objectMode: true,
      write: (_row, _, next) => {
        rows++;
        next();
      },
    }),
  );
  return { rows, sha256: hash.digest('hex') };
}
