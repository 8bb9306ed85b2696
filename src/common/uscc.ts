/**
 * The Unified Social Credit Code (GB 32100-2015): 18 characters whose 9th-17th hold an
 * organisation code (GB 11714) with its own check digit, and whose 18th is a check character.
 * Pure functions, no I/O; `../shared/data/README.md` is the specification followed here.
 */
import { Problem } from './problem';

export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const USCC_LENGTH = 18;

const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

export type UsccFailure = 'length' | 'alphabet' | 'organisation-code' | 'check-character';

export type UsccResult =
  { valid: true; uscc: string } | { valid: false; uscc: string; failure: UsccFailure; message: string };

/** Trims surrounding white space and upper-cases; nothing else is forgiven. */
export function normaliseUscc(input: string): string {
  return input.trim().toUpperCase();
}

/** The 18th character for the given first 17 (which must be in the alphabet). */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  const c = 31 - (sum % 31);
  return USCC_ALPHABET[c === 31 ? 0 : c];
}

/** The organisation code's 9th character for its first 8 (digits as themselves, A=10 … Z=35). */
export function organisationCodeCheckDigit(first8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(first8[i], 36) * ORG_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** Checks a code after normalising it, in order: length, alphabet, organisation code, check character. */
export function checkUscc(input: string): UsccResult {
  const uscc = normaliseUscc(input);
  const fail = (failure: UsccFailure, message: string): UsccResult => ({ valid: false, uscc, failure, message });
  if (uscc.length !== USCC_LENGTH) {
    return fail('length', `must be ${USCC_LENGTH} characters long, not ${uscc.length}`);
  }
  for (let i = 0; i < uscc.length; i++) {
    if (!USCC_ALPHABET.includes(uscc[i])) {
      return fail(
        'alphabet',
        `character ${JSON.stringify(uscc[i])} at position ${i + 1} is not allowed: a credit code uses the digits and the letters A-Y without I, O, S, V and Z`,
      );
    }
  }
  if (organisationCodeCheckDigit(uscc.slice(8, 16)) !== uscc[16]) {
    return fail('organisation-code', 'the organisation code (positions 9-17) fails its check digit at position 17');
  }
  if (usccCheckCharacter(uscc.slice(0, 17)) !== uscc[17]) {
    return fail('check-character', 'the check character (position 18) does not match the first 17 characters');
  }
  return { valid: true, uscc };
}

/**
 * A code given to look an enterprise up (a path code), normalised. It is looked up, not
 * registered: only its form matters, so a wrong length or a character outside the alphabet is a
 * 400 (`Problem.validation` on `uscc`), and a failing check digit is left to the look-up (404).
 */
export function lookupUscc(input: string): string {
  const check = checkUscc(input);
  if (check.valid === false && (check.failure === 'length' || check.failure === 'alphabet')) {
    throw Problem.validation([{ field: 'uscc', message: check.message }]);
  }
  return check.uscc;
}

/**
 * A well-formed code for tests, demos and benchmarks: market regulation (9), enterprise (1),
 * the district, an organisation code made from `serial`, and both check characters.
 */
export function makeUscc(districtCode: string, serial: number): string {
  const body = String(serial % 100_000_000).padStart(8, '0');
  const first17 = `91${districtCode}${body}${organisationCodeCheckDigit(body)}`;
  return first17 + usccCheckCharacter(first17);
}
