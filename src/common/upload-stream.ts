import { createWriteStream } from 'node:fs';
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
