import { RECORD_TYPE_ZH, SEVERITY_ZH } from '../records/record-rules';
import { IMPORT_SPECS, ImportKind } from './import-kinds';

/**
 * The Chinese of an import error. The rows' checks (row-checker.ts, import-kinds.ts, the staged
 * checks in imports.repository.ts, the credit-code check) store their English message, which the
 * API shows as it is; a person in the console reads it in Chinese, by the message's pattern. A
 * message no pattern knows is shown as it is.
 */
/** The codes' Chinese names a cell may hold instead (record types, severities). */
const LABELS: Readonly<Record<string, string>> = { ...RECORD_TYPE_ZH, ...SEVERITY_ZH };

/** "One of": by their Chinese names when the codes have them (the codes are accepted too). */
function oneOf(codes: string[]): string {
  return codes.every((c) => LABELS[c])
    ? `应为以下之一：${codes.map((c) => LABELS[c]).join('、')}（或其英文代码）`
    : `应为以下之一：${codes.join('、')}`;
}

const PATTERNS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^is required$/, () => '不能为空'],
  [/^must be one of (.+)$/, (m) => oneOf(m[1].split(', '))],
  [/^must be at most (\d+) characters$/, (m) => `不能超过 ${m[1]} 个字`],
  [/^must be a date YYYY-MM-DD$/, () => '日期格式不正确：应为 YYYY-MM-DD、YYYY/M/D 或 Excel 日期'],
  [/^must not be in the future$/, () => '不能晚于今天'],
  [/^must not be before the enterprise was registered \((.+)\)$/, (m) => `不能早于企业成立日期（${m[1]}）`],
  [/^is required for a substantiated complaint$/, () => '投诉属实的记录必须填写投诉热线'],
  [/^applies to substantiated complaints only$/, () => '只有投诉属实的记录才填写投诉热线'],
  [/^must be true, false or empty/, () => '应为“是”“否”（或 true、false），留空则按记录类别的默认值'],
  [/^must be a 6-digit district code$/, () => '应为 6 位区县代码'],
  [/^must be a GB\/T 4754 code/, () => '应为国民经济行业分类代码（GB/T 4754），如 C 或 C3443'],
  [/^enterprise (\S+) is not registered$/, (m) => `企业 ${m[1]} 未登记`],
  [
    /^enterprise (\S+) is in district (\S+); you act for (\S+) only$/,
    (m) => `企业 ${m[1]} 属于区县 ${m[2]}；您只能办理 ${m[3]} 的企业`,
  ],
  [/^repeats document number (.+) of line (\d+)$/, (m) => `文号 ${m[1]} 与第 ${m[2]} 行重复`],
  [/^district (\S+) does not exist$/, (m) => `区县 ${m[1]} 不存在`],
  [/^you act for district (\S+) only$/, (m) => `您只能办理区县 ${m[1]} 的企业`],
  [/^repeats credit code (\S+) of line (\d+)$/, (m) => `统一社会信用代码 ${m[1]} 与第 ${m[2]} 行重复`],
  [/^malformed CSV: /, () => 'CSV 格式错误（引号不成对或字段不完整），该行无法读取'],
  [/^has (\d+) fields; the header has (\d+)$/, (m) => `该行有 ${m[1]} 列，表头有 ${m[2]} 列`],
  [/^is not valid UTF-8$/, () => '含有无法识别的字符（编码错误）'],
  [/^contains a NUL character$/, () => '含有 NUL 字符'],
  [/^must be (\d+) characters long, not (\d+)$/, (m) => `应为 ${m[1]} 位，实为 ${m[2]} 位`],
  [/^the check character/, () => '校验位（第 18 位）与前 17 位不符'],
  [/^the organisation code/, () => '组织机构代码部分（第 9–17 位）校验不符'],
  [
    /^character (".+") at position (\d+) is not allowed/,
    (m) => `第 ${m[2]} 位的字符 ${m[1]} 不允许（只用数字和除 I、O、S、V、Z 外的大写字母）`,
  ],
];

/** The Chinese of one error's message. */
export function importMessageZh(message: string): string {
  for (const [pattern, zh] of PATTERNS) {
    const m = pattern.exec(message);
    if (m) return zh(m);
  }
  return message;
}

/** The column's header as the templates write it (统一社会信用代码), or the field itself. */
export function columnZh(kind: ImportKind, field: string | null): string | null {
  if (field === null) return null;
  return IMPORT_SPECS[kind].headers[field] ?? field;
}

/** One error as a person reads it: `发生日期：不能晚于今天`, or the message alone for the whole row. */
export function importErrorText(
  kind: ImportKind,
  error: { field: string | null; message: string },
  lang: 'zh' | 'en',
): string {
  if (lang === 'en') return error.field ? `${error.field}: ${error.message}` : error.message;
  const column = columnZh(kind, error.field);
  const message = importMessageZh(error.message);
  return column ? `${column}：${message}` : message;
}
