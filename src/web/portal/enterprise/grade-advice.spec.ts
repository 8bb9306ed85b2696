import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleSetDocument } from '../../../classification/rule-set';
import { gradeAdvice } from './grade-advice';

const v1 = JSON.parse(readFileSync(join(__dirname, '../../../../config/rule-sets/v1.json'), 'utf8')) as RuleSetDocument;

describe('gradeAdvice', () => {
  it('says how many points the next grade needs, from the rule set', () => {
    const advice = gradeAdvice({ grade: 'B', score: 82, factors: [], ruleSet: v1, recordDates: new Map() });
    expect(advice.find((a) => a.kind === 'score')!.text.zh).toBe(
      '现得分 82（基础分 80）。A 级需 90 分以上，还差 8 分。',
    );
    const moved = gradeAdvice({
      grade: 'B',
      score: 82,
      factors: [],
      ruleSet: { ...v1, thresholds: { A: 95, B: 75, C: 60 } },
      recordDates: new Map(),
    });
    expect(moved.find((a) => a.kind === 'score')!.text.zh).toContain('A 级需 95 分以上，还差 13 分');
  });

  it('lists the records that add points with the room their caps leave', () => {
    const advice = gradeAdvice({
      grade: 'B',
      score: 84,
      factors: [{ code: 'record.certification', points: 6, recordIds: ['1', '2'] }],
      ruleSet: v1,
      recordDates: new Map([
        ['1', '2026-01-05'],
        ['2', '2026-02-05'],
      ]),
    });
    const gains = advice.filter((a) => a.kind === 'gain').map((a) => a.text.zh);
    expect(gains).toContain('认证：每项 +3 分，36 个月内计分，合计最多 +9 分（现已 +6，还可 +3）。');
    expect(gains.some((g) => g.startsWith('质量奖：每项 +8 分，36 个月内计分，合计最多 +16 分。'))).toBe(true);
    expect(gains.some((g) => g.includes('行政处罚'))).toBe(false);
  });

  it('says why a kind of record adds less than its full points: older records count at a reduced weight', () => {
    const advice = gradeAdvice({
      grade: 'B',
      score: 81,
      factors: [{ code: 'record.spot_check_pass', points: 1, recordIds: ['3'] }],
      ruleSet: v1,
      recordDates: new Map([['3', '2025-01-10']]),
    });
    const gain = advice.find((a) => a.kind === 'gain' && a.text.zh.startsWith('监督抽查合格'))!.text;
    expect(gain.zh).toBe(
      '监督抽查合格：每项 +2 分，24 个月内计分，合计最多 +10 分（现已 +1，还可 +9；满 12 个月的记录按 50% 计分）。',
    );
    expect(gain.en).toContain('(now +1, room for +9; records older than 12 months count at 50%)');
    // At full weight there is nothing to explain.
    const full = gradeAdvice({
      grade: 'B',
      score: 82,
      factors: [{ code: 'record.spot_check_pass', points: 2, recordIds: ['3'] }],
      ruleSet: v1,
      recordDates: new Map([['3', '2026-05-10']]),
    });
    expect(full.find((a) => a.text.zh.startsWith('监督抽查合格'))!.text.zh).not.toContain('满 12 个月');
  });

  it('says when a hard rule and a deduction stop applying', () => {
    const advice = gradeAdvice({
      grade: 'D',
      score: 30,
      factors: [
        { code: 'hard.license_revoked', points: 0, recordIds: ['7'] },
        { code: 'record.license_revoked', points: -50, recordIds: ['7'] },
      ],
      ruleSet: v1,
      recordDates: new Map([['7', '2026-03-31']]),
    });
    expect(advice[0]).toEqual({
      kind: 'hard',
      text: expect.objectContaining({
        zh: '36 个月内有“吊销许可证”记录的，评为 D 级；按现有记录，自 2029-03-31 起不再适用此项。',
      }),
    });
    expect(advice.find((a) => a.kind === 'ease')!.text.zh).toBe(
      '吊销许可证（-50 分）：每条记录满 12 个月后按 50% 计分，满 60 个月后不再计分；最早一条自 2027-03-31 起减轻，2031-03-31 起不再计分。',
    );
  });
});
