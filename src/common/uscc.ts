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

/*
 * The checks read character codes through a table rather than searching the alphabet and
 * slicing the code: a 10 000-code screening runs them 10 000 times.
 */

/** Each character's place in the alphabet by its character code, -1 for a character outside it. */
const ALPHABET_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < USCC_ALPHABET.length; i++) ALPHABET_VALUE[USCC_ALPHABET.charCodeAt(i)] = i;

const alphabetValue = (code: number): number => (code < 128 ? ALPHABET_VALUE[code] : -1);

/** Whether every character of the string is in the alphabet. */
function inAlphabet(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (alphabetValue(text.charCodeAt(i)) < 0) return false;
  return true;
}

/** The check character's code for the first 17 characters of `code` (which must be in the alphabet). */
function checkCharacterCode(code: string): number {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET_VALUE[code.charCodeAt(i)] * USCC_WEIGHTS[i];
  const c = 31 - (sum % 31);
  return USCC_ALPHABET.charCodeAt(c === 31 ? 0 : c);
}

/** The organisation code's check digit's code for the 8 characters of `code` from `from` (digits as themselves, A=10 … Z=35). */
function organisationCheckCode(code: string, from: number): number {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = code.charCodeAt(from + i);
    sum += (c < 58 ? c - 48 : c - 55) * ORG_WEIGHTS[i];
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 88 /* X */ : c === 11 ? 48 /* 0 */ : 48 + c;
}

/** The 18th character for the given first 17 (which must be in the alphabet). */
export function usccCheckCharacter(first17: string): string {
  return String.fromCharCode(checkCharacterCode(first17));
}

/** The organisation code's 9th character for its first 8 (digits as themselves, A=10 … Z=35). */
export function organisationCodeCheckDigit(first8: string): string {
  return String.fromCharCode(organisationCheckCode(first8, 0));
}

const failed = (uscc: string, failure: UsccFailure, message: string): UsccResult => ({
  valid: false,
  uscc,
  failure,
  message,
});

/** Checks a code after normalising it, in order: length, alphabet, organisation code, check character. */
export function checkUscc(input: string): UsccResult {
  // A code sent in normal form (the usual case) is taken as it is, without two new strings.
  const normal = inAlphabet(input);
  const uscc = normal ? input : normaliseUscc(input);
  if (uscc.length !== USCC_LENGTH) {
    return failed(uscc, 'length', `must be ${USCC_LENGTH} characters long, not ${uscc.length}`);
  }
  for (let i = 0; !normal && i < uscc.length; i++) {
    if (alphabetValue(uscc.charCodeAt(i)) < 0) {
      return failed(
        uscc,
        'alphabet',
        `character ${JSON.stringify(uscc[i])} at position ${i + 1} is not allowed: a credit code uses the digits and the letters A-Y without I, O, S, V and Z`,
      );
    }
  }
  if (organisationCheckCode(uscc, 8) !== uscc.charCodeAt(16)) {
    return failed(
      uscc,
      'organisation-code',
      'the organisation code (positions 9-17) fails its check digit at position 17',
    );
  }
  if (checkCharacterCode(uscc) !== uscc.charCodeAt(17)) {
    return failed(uscc, 'check-character', 'the check character (position 18) does not match the first 17 characters');
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
