// eslint-disable-next-line no-restricted-imports -- the one place that may: every CSV is made here
import { Options, stringify, Stringifier } from 'csv-stringify';

/**
 * A CSV stream, for every CSV file the system writes (the partners' exports, the public
 * blacklist). Formula injection is always defused: a text cell that starts with `=`, `+`, `-`,
 * `@`, a tab or a carriage return (or their full-width forms, which some spreadsheets fold) is
 * written with a leading `'`, so a spreadsheet shows it as text and never runs it (the OWASP
 * rule, implemented by csv-stringify's `escape_formulas`). Numbers, negative ones included, are
 * written as they are. ESLint keeps csv-stringify out of every other file.
 */
export function csvStream(options: Omit<Options, 'escape_formulas'> = {}): Stringifier {
  return stringify({ ...options, escape_formulas: true });
}
