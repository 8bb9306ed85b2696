import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_TYPES, SEVERITIES } from '../records/record-rules';
import {
  addMonths,
  classify,
  ClassificationFacts,
  countsFrom,
  isRelevant,
  RecordFact,
  relevantRecords,
} from './classify';
import { GRADES, RuleSetDocument, ruleSetErrors } from './rule-set';

const v1: RuleSetDocument = JSON.parse(readFileSync(join(__dirname, '../../config/rule-sets/v1.json'), 'utf8'));
const AS_OF = '2026-11-27';
const none: ClassificationFacts = { records: [], publishedBlacklistEntryIds: [] };
const record = (
  id: string,
  type: RecordFact['type'],
  occurredOn: string,
  severity: RecordFact['severity'] = null,
): RecordFact => ({
  id,
  type,
  occurredOn,
  severity,
});
const rank = (grade: string) => GRADES.indexOf(grade as (typeof GRADES)[number]);

describe('classify under rule set v1', () => {
  it('is valid against the rule-set schema', () => {
    expect(ruleSetErrors(v1)).toEqual([]);
  });

  it('gives an enterprise without records the base score', () => {
    expect(classify(none, v1, AS_OF)).toEqual({ grade: 'B', score: 80, factors: [], recheckOn: null });
  });

  it('adds points by type and severity, names the records behind each factor, and decays after a year', () => {
    const facts = {
      ...none,
      records: [
        record('1', 'spot_check_fail', '2026-06-01', 'serious'), // -15, full weight
        record('2', 'spot_check_fail', '2025-01-10', 'minor'), // -4 × 0.5
        record('3', 'quality_award', '2026-02-01'), // +8
        record('4', 'spot_check_fail', '2022-01-01', 'critical'), // outside 36 months
      ],
    };
    expect(classify(facts, v1, AS_OF)).toEqual({
      grade: 'C',
      score: 71,
      factors: [
        {
          code: 'record.quality_award',
          description: '1 quality_award record(s) within 36 months',
          points: 8,
          recordIds: ['3'],
        },
        {
          code: 'record.spot_check_fail',
          description: '2 spot_check_fail record(s) within 36 months',
          points: -17,
          recordIds: ['1', '2'],
        },
      ],
      recheckOn: '2027-02-01', // the award loses full weight first
    });
  });

  it('caps a type: passed spot checks add at most 10', () => {
    const passes = Array.from({ length: 12 }, (_, i) => record(`p${i}`, 'spot_check_pass', '2026-10-01'));
    const result = classify({ ...none, records: passes }, v1, AS_OF);
    expect(result).toMatchObject({ grade: 'A', score: 90 });
  });

  it('ignores records after the as-of date', () => {
    const facts = { ...none, records: [record('1', 'license_revoked', '2026-12-01')] };
    expect(classify(facts, v1, AS_OF)).toMatchObject({ grade: 'B', recheckOn: '2026-12-01' });
    expect(classify(facts, v1, '2026-12-01').grade).toBe('D');
  });

  it('applies the hard rules first: blacklist and licence revocation force D, a major incident caps at C', () => {
    const awards = [
      record('a', 'quality_award', '2026-01-01'),
      record('a2', 'quality_award', '2026-02-01'),
      record('b', 'famous_brand', '2026-01-01'),
      ...['c1', 'c2', 'c3'].map((id) => record(id, 'certification', '2026-01-01')),
    ];
    const blacklisted = classify({ records: awards, publishedBlacklistEntryIds: ['42'] }, v1, AS_OF);
    expect(blacklisted.grade).toBe('D');
    expect(blacklisted.factors[0]).toEqual({
      code: 'hard.blacklisted',
      description: 'On the published product-quality blacklist',
      points: 0,
      recordIds: ['42'],
    });
    const incident = classify(
      {
        ...none,
        records: [
          ...awards,
          ...Array.from({ length: 10 }, (_, i) => record(`p${i}`, 'spot_check_pass', '2026-01-01')),
          record('m', 'major_quality_incident', '2026-03-01'),
        ],
      },
      v1,
      AS_OF,
    );
    expect(incident.score).toBeGreaterThanOrEqual(75);
    expect(incident.grade).toBe('C');
    expect(
      classify({ ...none, records: [record('m', 'major_quality_incident', '2025-03-01')] }, v1, AS_OF).factors.map(
        (f) => f.code,
      ),
    ).toEqual(['record.major_quality_incident']);
  });

  it('adds months on the calendar, clamping the day', () => {
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2023-11-15', 36)).toBe('2026-11-15');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
  });
});

describe('classify, properties', () => {
  const day = fc
    .integer({ min: 0, max: 3650 })
    .map((n) => new Date(Date.UTC(2017, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
  const fact = fc.record({
    id: fc.uuid(),
    type: fc.constantFrom(...RECORD_TYPES),
    severity: fc.option(fc.constantFrom(...SEVERITIES), { nil: null }),
    occurredOn: day,
  });
  const facts = fc.record({
    records: fc.array(fact, { maxLength: 30 }),
    publishedBlacklistEntryIds: fc.array(fc.integer({ min: 1, max: 999 }).map(String), { maxLength: 2 }),
  });
  const adverse = fact.filter(
    (r) =>
      (v1.records[r.type]?.points.default ?? 0) < 0 && Object.values(v1.records[r.type]!.points).every((p) => p! < 0),
  );

  it('never improves the grade or the score when an adverse record is added', () => {
    fc.assert(
      fc.property(facts, adverse, (base, extra) => {
        const before = classify(base, v1, AS_OF);
        const after = classify({ ...base, records: [...base.records, extra] }, v1, AS_OF);
        return rank(after.grade) >= rank(before.grade) && after.score <= before.score;
      }),
    );
  });

  it('grades any published blacklist entry D, whatever the records', () => {
    fc.assert(
      fc.property(facts, fc.integer({ min: 1 }).map(String), (base, entry) => {
        return (
          classify({ ...base, publishedBlacklistEntryIds: [...base.publishedBlacklistEntryIds, entry] }, v1, AS_OF)
            .grade === 'D'
        );
      }),
    );
  });

  it('counts a record from countsFrom(asOf, months) exactly when addMonths(occurredOn, months) is after asOf', () => {
    fc.assert(
      fc.property(day, day, fc.integer({ min: 0, max: 72 }), (occurredOn, asOf, months) => {
        return occurredOn >= countsFrom(asOf, months) === addMonths(occurredOn, months) > asOf;
      }),
      { numRuns: 5000 },
    );
    // Month ends, where addMonths clamps: 31 Aug + 6 months is 28 Feb, which is not after 28 Feb.
    expect(countsFrom('2027-02-28', 6)).toBe('2026-09-01');
    expect(countsFrom('2028-02-29', 6)).toBe('2027-09-01');
    expect(countsFrom('2026-03-31', 1)).toBe('2026-03-01');
  });

  it('classifies the same facts the same on every day before recheckOn, and differently on it only if at all', () => {
    const later = (date: string, days: number) =>
      new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    fc.assert(
      fc.property(facts, day, fc.integer({ min: 1, max: 2000 }), (base, asOf, days) => {
        const { recheckOn, ...today } = classify(base, v1, asOf);
        const date = later(asOf, days);
        if (recheckOn !== null && date >= recheckOn) return recheckOn > asOf;
        const { recheckOn: _, ...then } = classify(base, v1, date);
        return JSON.stringify(then) === JSON.stringify(today);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same result from the relevant records alone (what a recompute reads)', () => {
    fc.assert(
      fc.property(facts, day, (base, asOf) => {
        const relevant = relevantRecords(v1, asOf);
        const read = base.records.filter((r) => isRelevant(r, relevant));
        return (
          JSON.stringify(classify(base, v1, asOf)) === JSON.stringify(classify({ ...base, records: read }, v1, asOf))
        );
      }),
      { numRuns: 5000 },
    );
    // Five years' records of every type on 2026-11-27: those beyond their type's window are left.
    const relevant = relevantRecords(v1, AS_OF);
    expect(isRelevant(record('1', 'spot_check_pass', '2024-11-27'), relevant)).toBe(false);
    expect(isRelevant(record('2', 'spot_check_pass', '2024-11-28'), relevant)).toBe(true);
    expect(isRelevant(record('3', 'license_revoked', '2021-11-28'), relevant)).toBe(true);
    expect(isRelevant(record('4', 'spot_check_pass', '2026-12-01'), relevant)).toBe(true);
  });

  it('does not depend on the order of the records', () => {
    fc.assert(
      fc.property(facts, fc.integer(), (base, seed) => {
        const shuffled = [...base.records].sort(
          (a, b) => ((a.id.charCodeAt(0) ^ seed) % 7) - ((b.id.charCodeAt(0) ^ seed) % 7),
        );
        return (
          JSON.stringify(classify(base, v1, AS_OF)) ===
          JSON.stringify(classify({ ...base, records: shuffled }, v1, AS_OF))
        );
      }),
    );
  });
});

describe('rule-set validation', () => {
  it('reports every error with its JSON path', () => {
    const bad = {
      ...v1,
      baseScore: 'high',
      colour: 'red',
      records: { ...v1.records, spot_check_fail: { points: { huge: -5 }, windowMonths: 0 } },
      thresholds: { A: 60, B: 75 },
      hardRules: [{ code: 'X', description: '', when: { recordType: 'rumour', withinMonths: 12 }, grade: 'E' }],
    };
    const fields = ruleSetErrors(bad).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'document.colour',
        'document.baseScore',
        'document.records.spot_check_fail.points.huge',
        'document.records.spot_check_fail.windowMonths',
        'document.thresholds.C',
        'document.hardRules[0].code',
        'document.hardRules[0].description',
        'document.hardRules[0].grade',
      ]),
    );
  });

  it('wants thresholds that fall from A to C', () => {
    expect(ruleSetErrors({ ...v1, thresholds: { A: 60, B: 75, C: 90 } })).toEqual([
      { field: 'document.thresholds', message: 'must fall from A to B to C (A > B > C)' },
    ]);
  });
});

describe('rule set v1 as shipped', () => {
  it('is the same document in config/ and in the migration that installs it', async () => {
    const { RULE_SET_V1 } = await import('../../migrations/1764320000000-Classification');
    expect(RULE_SET_V1).toEqual(v1);
  });
});
