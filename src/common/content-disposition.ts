/**
 * The `Content-Disposition` of a download: an ASCII `filename` for old clients (other characters
 * as `_`) and the name itself in UTF-8 (`filename*`, RFC 6266/8187) for the Chinese ones.
 */
export const attachment = (name: string): string =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(
    name,
  ).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
