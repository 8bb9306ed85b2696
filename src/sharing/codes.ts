import { checkUscc } from '../common/uscc';
import { FieldError, MAX_LISTED_ERRORS, Problem } from '../common/problem';

/** A code from a list that is not a credit code, with its place in the list. */
export interface InvalidCode {
  index: number;
  input: string;
  message: string;
}

/** A list of codes sorted out in one pass: checks only, no I/O. */
export interface Screening {
  /** Every input with its normalised form and what the checks said, in request order. */
  entries: {
    index: number;
    input: string;
    uscc: string;
    verdict: 'valid' | 'checksum' | 'malformed';
    message: string;
  }[];
  /** Normalised codes that fail a checksum only: legal if an administrator allowed them. */
  checksumFailures: string[];
}

/** The codes of a list and what is wrong with the rest, once the allow-list has been asked. */
export interface SettledCodes {
  /** Credit codes (normalised), each once, in the order of their first appearance. */
  codes: string[];
  /** Inputs that are not credit codes, each distinct input once, in request order. */
  invalid: InvalidCode[];
}

/**
 * Checks every code of a list (up to a million) with a plain loop: no object per code beyond
 * the entry, no class-validator instance. Codes that fail only a checksum are set aside for
 * one allow-list look-up.
 */
export function screenCodes(inputs: readonly string[]): Screening {
  const entries: Screening['entries'] = [];
  const checksumFailures = new Set<string>();
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index];
    const result = checkUscc(input);
    if (result.valid) {
      entries.push({ index, input, uscc: result.uscc, verdict: 'valid', message: '' });
    } else if (result.failure === 'organisation-code' || result.failure === 'check-character') {
      checksumFailures.add(result.uscc);
      entries.push({ index, input, uscc: result.uscc, verdict: 'checksum', message: result.message });
    } else {
      entries.push({ index, input, uscc: result.uscc, verdict: 'malformed', message: result.message });
    }
  }
  return { entries, checksumFailures: [...checksumFailures] };
}

/** Settles a screening with the allow-listed codes among its checksum failures. */
export function settleCodes(screening: Screening, allowed: ReadonlySet<string>): SettledCodes {
  const seen = new Set<string>();
  const seenInvalid = new Set<string>();
  const codes: string[] = [];
  const invalid: InvalidCode[] = [];
  for (const entry of screening.entries) {
    if (entry.verdict === 'valid' || (entry.verdict === 'checksum' && allowed.has(entry.uscc))) {
      if (!seen.has(entry.uscc)) {
        seen.add(entry.uscc);
        codes.push(entry.uscc);
      }
    } else if (!seenInvalid.has(entry.input)) {
      seenInvalid.add(entry.input);
      invalid.push({ index: entry.index, input: entry.input, message: entry.message });
    }
  }
  return { codes, invalid };
}

/** Screens and settles a list, asking the allow-list once, and only about its checksum failures. */
export async function checkCodes(
  inputs: readonly string[],
  allowList: { allowedAmong(usccs: string[]): Promise<Set<string>> },
): Promise<SettledCodes> {
  const screening = screenCodes(inputs);
  const allowed = screening.checksumFailures.length
    ? await allowList.allowedAmong(screening.checksumFailures)
    : new Set<string>();
  return settleCodes(screening, allowed);
}

/** The normalised form of one code (the `uscc` of a request), or a 400 saying what is wrong with it. */
export async function checkCode(
  input: string,
  allowList: { allowedAmong(usccs: string[]): Promise<Set<string>> },
): Promise<string> {
  const { codes, invalid } = await checkCodes([input], allowList);
  if (invalid.length) throw Problem.validation([{ field: 'uscc', message: invalid[0].message }]);
  return codes[0];
}

/** Field errors for the first bad codes of the list in `field` (as many as a 400 lists; its detail gives the count). */
export function codeErrors(field: string, invalid: InvalidCode[]): FieldError[] {
  return invalid
    .slice(0, MAX_LISTED_ERRORS)
    .map((c) => ({ field: `${field}[${c.index}]`, message: `${JSON.stringify(c.input)}: ${c.message}` }));
}
