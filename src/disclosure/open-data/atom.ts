/** A small Atom 1.0 (RFC 4287) writer: the feed of the blacklist's publications and removals. */

import { escapeXml } from '../../common/xml';

export interface AtomEntry {
  /** A permanent IRI, e.g. `urn:uuid:…`. */
  id: string;
  title: string;
  updated: Date;
  link: string;
  summary: string;
}

export interface AtomFeed {
  id: string;
  title: string;
  /** The feed's own address (rel="self"). */
  self: string;
  /** The page people read (rel="alternate"). */
  alternate: string;
  author: string;
  updated: Date;
  entries: AtomEntry[];
}

export function atomFeed(feed: AtomFeed): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
    `  <id>${escapeXml(feed.id)}</id>`,
    `  <title>${escapeXml(feed.title)}</title>`,
    `  <updated>${feed.updated.toISOString()}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(feed.self)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(feed.alternate)}"/>`,
    `  <author><name>${escapeXml(feed.author)}</name></author>`,
  ];
  for (const entry of feed.entries) {
    lines.push(
      '  <entry>',
      `    <id>${escapeXml(entry.id)}</id>`,
      `    <title>${escapeXml(entry.title)}</title>`,
      `    <updated>${entry.updated.toISOString()}</updated>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(entry.link)}"/>`,
      `    <summary>${escapeXml(entry.summary)}</summary>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}
