import { copyField } from '../database/pg-copy';
import { ImportKindSpec, RowContext } from './import-kinds';

/** A file that cannot be imported at all (its header, its format); not worth a retry. `zh` says it in Chinese. */
export class ImportFailure extends Error {
  constructor(
    message: string,
    readonly zh: string = message,
  ) {
    super(message);
  }
}

/**
 * The column each header cell names (its English field name or its Chinese header, as in the
 * templates), by position; an ImportFailure naming the unknown and the missing columns when the
 * header is not the kind's. The upload checks the header with it and the worker reads it with it.
 */
export function headerColumns(spec: ImportKindSpec, record: string[]): Map<string, number> {
  if (record.some((name) => name.includes('\0')))
    throw new ImportFailure(
      'The header row contains a NUL character; it must name the columns in plain text',
      '表头含有 NUL 字符，无法读取：第一行应以文字写出各列名称（该文件可能不是 CSV 或 xlsx）',
    );
  const byName = new Map<string, string>();
  for (const column of spec.columns) byName.set(column, column).set(spec.headers[column], column);
  const names = record.map((name) => name.trim());
  // A name is the file's own: at most 10 of them, each cut to 64 characters, come back in the message.
  const unknown = names
    .filter((n) => !byName.has(n))
    .slice(0, 10)
    .map((n) => (n.length > 64 ? `${n.slice(0, 63)}…` : n));
  const columns = names.map((n) => byName.get(n) ?? n);
  const missing = spec.required.filter((n) => !columns.includes(n));
  const repeated = columns.filter((n, i) => byName.has(n) && columns.indexOf(n) !== i);
  if (unknown.length || missing.length || repeated.length) {
    const zhNames = (list: readonly string[]) => list.map((n) => spec.headers[n] ?? n).join('、');
    throw new ImportFailure(
      [
        unknown.length ? `unknown columns: ${unknown.join(', ')}` : '',
        missing.length ? `missing columns: ${missing.join(', ')}` : '',
        repeated.length ? `repeated columns: ${repeated.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ') + `. The columns are: ${spec.columns.join(', ')}`,
      [
        unknown.length ? `不认识的列：${unknown.join('、')}` : '',
        missing.length ? `缺少必填的列：${zhNames(missing)}` : '',
        repeated.length ? `重复的列：${zhNames(repeated)}` : '',
      ]
        .filter(Boolean)
        .join('；') + `。第一行应为表头，各列为：${zhNames(spec.columns)}（也可用英文列名，见导入模板）`,
    );
  }
  return new Map(columns.map((n, i) => [n, i]));
}

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
    return headerColumns(this.spec, record);
  }
}
