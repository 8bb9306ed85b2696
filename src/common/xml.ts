const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text safe inside an element or a quoted attribute (XML, SVG, Atom). Characters XML 1.0 forbids
 * (C0 controls other than tab, newline and carriage return, lone surrogates, U+FFFE/U+FFFF) are
 * dropped: a feed reader refuses the whole document over one of them.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}
