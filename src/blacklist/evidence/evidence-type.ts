/** The kinds of evidence file taken: PDF, JPEG and PNG, named by their media type. */
export const EVIDENCE_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/** What the pages call each type. */
export const EVIDENCE_TYPE_NAMES: Record<EvidenceType, string> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
};

/** How many bytes from a file's start `sniffEvidenceType` needs. */
export const SNIFF_BYTES = 8;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const PDF = Buffer.from('%PDF-', 'latin1');

/**
 * The type of an evidence file from its first bytes (its signature), never from its name or the
 * type the browser claimed: an `.exe` renamed `.pdf` starts with `MZ` and is no PDF. By hand
 * because the three signatures are fixed and short, and the `file-type` package is ESM-only: it
 * does not load in this CommonJS app (nor under its jest transform).
 */
export function sniffEvidenceType(head: Buffer): EvidenceType | null {
  if (head.subarray(0, PNG.length).equals(PNG)) return 'image/png';
  if (head.subarray(0, JPEG.length).equals(JPEG)) return 'image/jpeg';
  if (head.subarray(0, PDF.length).equals(PDF)) return 'application/pdf';
  return null;
}
