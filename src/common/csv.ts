// eslint-disable-next-line no-restricted-imports -- the one place that may: every CSV is made here
import { Options, stringify, Stringifier } from 'csv-stringify';

/**
 * A text cell that a spreadsheet may still read as a formula behind leading white space (spaces,
 * line breaks, tabs, U+3000 the full-width space), which csv-stringify's `escape_formulas` lets
 * through because it looks at the first character only.
 */
const FORMULA_AFTER_SPACE = /^[\s\u3000]+[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * A CSV stream, for every CSV file the system writes (the partners' exports, the public
 * blacklist). Formula injection is always defused: a text cell that starts with `=`, `+`, `-`,
 * `@`, a tab or a carriage return (or their full-width forms, which some spreadsheets fold), or
 * with white space before any of `=+-@`, is written with a leading `'`, so a spreadsheet shows it
 * as text and never runs it (the OWASP rule, implemented by csv-stringify's `escape_formulas`,
 * and here for the white space). Numbers, negative ones included, are written as they are.
 * ESLint keeps csv-stringify out of every other file.
 */
export function csvStream(options: Omit<Options, 'escape_formulas'> = {}): Stringifier {
  return stringify({
    ...options,
    escape_formulas: true,
    cast: {
      ...options.cast,
      string: (value) => (FORMULA_AFTER_SPACE.test(value) ? `'${value}` : value),
    },
  });
}
