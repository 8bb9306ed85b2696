import { copyField } from '../database/pg-copy';
import { ImportKindSpec, RowContext } from './import-kinds';

/** A file that cannot be imported at all (its header, its format); not worth a retry. */
export class ImportFailure extends Error {}

/** A bad row: its line in the file, the column (null for the whole row) and what is wrong. */
export interface ImportError {
  line: number;
  field: string | null;
  message: string;
}

/**
 * Checks an import's rows one by one: the header once, then each row with the kind's rules,
 * giving the COPY text line of a good row and keeping the errors of a bad one until taken.
 */
export class RowChecker {
  private header: Map<string, number> | null = null;
  errors: ImportError[] = [];
  /** Data rows seen (good, bad and malformed). */
  count = 0;

  constructor(
    private readonly spec: ImportKindSpec,
    private readonly context: RowContext,
  ) {}

  get sawHeader(): boolean {
    return this.header !== null;
  }

  takeErrors(): ImportError[] {
    const taken = this.errors;
    this.errors = [];
    return taken;
  }

  malformed(line: number, message: string): void {
    this.count++;
    this.errors.push({ line, field: null, message: `malformed CSV: ${message}` });
  }

  /** undefined for the header, null for a bad row, else the row's COPY line. */
  check(record: string[], line: number): string | null | undefined {
    if (!this.header) {
      this.header = this.readHeader(record);
      return undefined;
    }
    this.count++;
    const header = this.header;
    if (record.length !== header.size) {
      this.errors.push({ line, field: null, message: `has ${record.length} fields; the header has ${header.size}` });
      return null;
    }
    if (record.some((cell) => cell.includes('\uFFFD'))) {
      this.errors.push({ line, field: null, message: 'is not valid UTF-8' });
      return null;
    }
    // PostgreSQL text cannot hold NUL: the row is refused here, naming the cells, not by COPY.
    const withNul = [...header].filter(([, index]) => record[index].includes('\0'));
    if (withNul.length) {
      for (const [name] of withNul) this.errors.push({ line, field: name, message: 'contains a NUL character' });
      return null;
    }
    const row: Record<string, string> = {};
    for (const [name, index] of header) row[name] = record[index];
    const result = this.spec.parse(row, this.context);
    if ('errors' in result) {
      for (const e of result.errors) this.errors.push({ line, field: e.field, message: e.message });
      return null;
    }
    return `${line}\tfalse\t${result.values.map(copyField).join('\t')}\n`;
  }

  private readHeader(record: string[]): Map<string, number> {
    if (record.some((name) => name.includes('\0')))
      throw new ImportFailure('The header row contains a NUL character; it must name the columns in plain text');
    const names = record.map((name) => name.trim());
    const unknown = names.filter((n) => !this.spec.columns.includes(n));
    const missing = this.spec.required.filter((n) => !names.includes(n));
    if (unknown.length || missing.length) {
      throw new ImportFailure(
        [
          unknown.length ? `unknown columns: ${unknown.join(', ')}` : '',
          missing.length ? `missing columns: ${missing.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ') + `. The columns are: ${this.spec.columns.join(', ')}`,
      );
    }
    return new Map(names.map((n, i) => [n, i]));
  }
}
