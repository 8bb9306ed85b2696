import { createWriteStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An upload's file could not be written: the server's fault, not the request's. */
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

/** How old a half-written upload must be before it is taken for one a killed process left. */
export const LEFTOVER_AGE_MS = 60 * 60_000;

/**
 * Deletes the files of `dir` named like `pattern` and last written more than `olderThanMs` ago:
 * the temporary files of uploads a process was killed in the middle of (a live upload writes its
 * file as it goes, so it is never that old). Best effort: a missing directory or a file gone
 * meanwhile is not an error. Returns how many were deleted.
 */
export async function sweepLeftovers(
  dir: string,
  pattern: RegExp,
  olderThanMs = LEFTOVER_AGE_MS,
  now = Date.now(),
): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let deleted = 0;
  for (const name of names.filter((n) => pattern.test(n))) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info?.isFile() && now - info.mtimeMs > olderThanMs) {
      await rm(path, { force: true });
      deleted++;
    }
  }
  return deleted;
}
