import { makeUscc } from '../common/uscc';
import { MAX_LISTED_ERRORS } from '../common/problem';
import { codeErrors, screenCodes, settleCodes } from './codes';

const good = makeUscc('330302', 1);
const other = makeUscc('330303', 2);
// The right length and alphabet, the wrong check character.
const legacy = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');

describe('screening a list of credit codes', () => {
  it('keeps good codes once each, normalised, in the order they first appear', () => {
    const settled = settleCodes(screenCodes([` ${good.toLowerCase()} `, other, good]), new Set());
    expect(settled).toEqual({ codes: [good, other], invalid: [] });
  });

  it('lists each bad input once, as sent, with its place and the reason', () => {
    const settled = settleCodes(screenCodes([good, 'short', 'short', 'I'.repeat(18)]), new Set());
    expect(settled.codes).toEqual([good]);
    expect(settled.invalid).toEqual([
      { index: 1, input: 'short', message: 'must be 18 characters long, not 5' },
      { index: 3, input: 'I'.repeat(18), message: expect.stringContaining('position 1 is not allowed') },
    ]);
  });

  it('sets checksum failures aside, and accepts the allow-listed ones in their place', () => {
    const screening = screenCodes([legacy, good]);
    expect(screening.checksumFailures).toEqual([legacy]);
    expect(settleCodes(screening, new Set()).invalid.map((c) => c.input)).toEqual([legacy]);
    expect(settleCodes(screening, new Set([legacy])).codes).toEqual([legacy, good]);
  });

  it('names at most a hundred bad codes as field errors', () => {
    const bad = Array.from({ length: 150 }, (_, i) => `bad${i}`);
    const errors = codeErrors('usccs', settleCodes(screenCodes(bad), new Set()).invalid);
    expect(errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(errors[7]).toEqual({ field: 'usccs[7]', message: '"bad7": must be 18 characters long, not 4' });
  });
});
