/**
 * Conditional GET (RFC 9110 §13) for the open-data files: a client that sends back the ETag or
 * the Last-Modified it was given gets a 304 while the list has not changed.
 */

export interface Validators {
  /** A strong entity tag, quoted: `"csv-3f2a…"`. */
  etag: string;
  lastModified: Date;
}

/** An HTTP date (IMF-fixdate), as Last-Modified carries it. */
export function httpDate(at: Date): string {
  return at.toUTCString();
}

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/**
 * Whether the client's copy is current. If-None-Match wins when sent (weak comparison, `*`
 * matches anything); otherwise If-Modified-Since, at the one-second precision of HTTP dates.
 * An unparsable date is ignored, as the RFC says.
 */
export function notModified(
  validators: Validators,
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
): boolean {
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map(opaque);
    return tags.includes('*') || tags.includes(opaque(validators.etag));
  }
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  if (Number.isNaN(since)) return false;
  return Math.floor(validators.lastModified.getTime() / 1000) * 1000 <= since;
}
