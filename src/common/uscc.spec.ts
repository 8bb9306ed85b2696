import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkUscc, makeUscc, normaliseUscc, organisationCodeCheckDigit, usccCheckCharacter } from './uscc';

const realCodes = readFileSync(join(__dirname, '../../test/fixtures/uscc-real-codes.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '');

describe('USCC check (GB 32100-2015)', () => {
  it('accepts the 200 real codes that other validators accept', () => {
    expect(realCodes).toHaveLength(200);
    const rejected = realCodes.map(checkUscc).filter((r) => !r.valid);
    expect(rejected).toEqual([]);
  });

  it.each(['91330100799655058B', '91110000802100433B', '91440300708461136T'])('accepts %s', (code) => {
    expect(checkUscc(code)).toEqual({ valid: true, uscc: code });
  });

  it('normalises case and surrounding spaces before checking', () => {
    expect(normaliseUscc('  91330100799655058b \t')).toBe('91330100799655058B');
    expect(checkUscc(' 91330100799655058b ')).toEqual({ valid: true, uscc: '91330100799655058B' });
  });

  it('rejects a wrong length and says how long it was', () => {
    const result = checkUscc('9133010079965505');
    expect(result).toMatchObject({ valid: false, failure: 'length' });
    expect(!result.valid && result.message).toBe('must be 18 characters long, not 16');
  });

  it('rejects a letter outside the alphabet and names it with its position', () => {
    const result = checkUscc('91330100799655O58B');
    expect(result).toMatchObject({ valid: false, failure: 'alphabet' });
    expect(!result.valid && result.message).toContain('"O" at position 15');
  });

  it.each(['I', 'O', 'S', 'V', 'Z', '-', ' ', '中'])('never accepts %j inside a code', (ch) => {
    const code = `9133010079965505${ch}B`;
    expect(checkUscc(code)).toMatchObject({ valid: false, failure: 'alphabet' });
  });

  it('rejects a wrong final check character', () => {
    expect(checkUscc('91330100799655058C')).toMatchObject({ valid: false, failure: 'check-character' });
  });

  it('rejects a wrong organisation-code check digit even when the final character is recomputed', () => {
    const body = '9133010079965505' + '9'; // the real digit at position 17 is 8
    const code = body + usccCheckCharacter(body);
    expect(checkUscc(code)).toMatchObject({ valid: false, failure: 'organisation-code' });
  });

  it('finds every single-character substitution in a real code', () => {
    const code = '91330100799655058B';
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    for (let i = 0; i < code.length; i++) {
      for (const ch of alphabet) {
        if (ch === code[i]) continue;
        const mutated = code.slice(0, i) + ch + code.slice(i + 1);
        expect(checkUscc(mutated).valid).toBe(false);
      }
    }
  });

  it('makes valid codes for any district and serial', () => {
    for (const serial of [0, 1, 42, 99_999_999, 123_456_789]) {
      expect(checkUscc(makeUscc('330302', serial))).toMatchObject({ valid: true });
    }
    expect(makeUscc('330302', 7).slice(0, 8)).toBe('91330302');
  });

  it('computes both check characters as the specification says', () => {
    expect(organisationCodeCheckDigit('79965505')).toBe('8');
    expect(usccCheckCharacter('91330100799655058')).toBe('B');
  });
});
