import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Lines are sent in pieces of about this many characters: one write per line is slow. */
const COPY_CHUNK = 256 * 1024;

/** One COPY text-format field: backslash, tab and line breaks escaped; null as \N. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * Runs `statement` (a `COPY … FROM STDIN` in text format) on `client` with `lines`, each ending
 * in a newline. COPY writes a page of rows per WAL record where INSERT writes one per row: for
 * thousands of rows it takes about half the time of an INSERT … SELECT over arrays.
 */
export async function copyLines(client: PoolClient, statement: string, lines: Iterable<string>): Promise<void> {
  await pipeline(Readable.from(pieces(lines)), client.query(copyFrom(statement)));
}

/** Lines joined into pieces of about COPY_CHUNK characters (by join: `+=` builds a rope that each write flattens). */
function* pieces(lines: Iterable<string>): Generator<string> {
  let piece: string[] = [];
  let size = 0;
  for (const line of lines) {
    piece.push(line);
    size += line.length;
    if (size >= COPY_CHUNK) {
      yield piece.join('');
      piece = [];
      size = 0;
    }
  }
  if (piece.length) yield piece.join('');
}
