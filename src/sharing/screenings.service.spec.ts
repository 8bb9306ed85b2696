import { makeUscc } from '../common/uscc';
import { CreditStatusDto } from './dto/credit-status.dto';
import { countsOf, rowOf } from './screenings.service';

const FOUND = makeUscc('330302', 1);
const UNKNOWN = makeUscc('330302', 2);

const status = (grade: CreditStatusDto['grade'], blacklisted: boolean): CreditStatusDto => ({
  uscc: FOUND,
  name: '甲公司',
  districtCode: '330302',
  grade,
  ruleSetVersion: 1,
  blacklisted,
  blacklistEntries: blacklisted
    ? [{ id: '1', reasonCode: 'substandard_products', publishedAt: new Date(), expiresAt: new Date() }]
    : [],
  asOf: '2026-12-06T00:00:00.000Z',
});

describe('a screening row and the counts', () => {
  it('tells each row of the file apart: found (by its normal form), not found, invalid with the reason', () => {
    const found = new Map([[FOUND, status('D', true)]]);
    const invalid = new Set(['ABC']);
    expect(rowOf(2, ` ${FOUND.toLowerCase()} `, invalid, found)).toMatchObject({
      outcome: 'found',
      uscc: FOUND,
      name: '甲公司',
      grade: 'D',
      blacklisted: true,
      entries: 1,
    });
    expect(rowOf(3, UNKNOWN, invalid, found)).toMatchObject({ outcome: 'not_found', uscc: UNKNOWN, name: null });
    expect(rowOf(4, 'ABC', invalid, found)).toMatchObject({
      outcome: 'invalid',
      uscc: null,
      reason: 'must be 18 characters long, not 3',
    });
  });

  it('counts rows by outcome, the found ones by grade and the blacklisted', () => {
    const found = new Map([[FOUND, status(null, true)]]);
    const rows = [
      rowOf(2, FOUND, new Set(), found),
      rowOf(3, UNKNOWN, new Set(), found),
      rowOf(4, 'X', new Set(['X']), found),
    ];
    expect(countsOf(rows)).toEqual({
      screened: 3,
      found: 1,
      notFound: 1,
      invalid: 1,
      blacklisted: 1,
      byGrade: { A: 0, B: 0, C: 0, D: 0, none: 1 },
    });
  });
});
