import { createReadStream, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Where an import's uploaded file is kept, in UPLOAD_DIR, until it is imported. */
export function uploadPath(uploadDir: string, id: string): string {
  return join(resolve(uploadDir), `${id}.csv`);
}

/** The upload's file could not be written: the server's fault, not the request's. */
export class StorageFault extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/**
 * Streams an upload into `path`. Whichever stream fails first decides whose fault it is: the
 * file being written (StorageFault) or the request being read (the client's).
 */
export async function store(source: Readable, measure: Transform, path: string): Promise<void> {
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
