import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuleSetDocument } from '../classification/rule-set';
import { ruleSetName, standardGuide } from './guides';

const v1 = JSON.parse(readFileSync(join(__dirname, '../../config/rule-sets/v1.json'), 'utf8')) as RuleSetDocument;
const inForce = (document: RuleSetDocument) => ({
  version: 3,
  document,
  activatedAt: new Date('2026-06-30T16:30:00Z'),
});

describe('standardGuide', () => {
  it('tells v1 in Chinese: base score, points by severity, caps, decay, thresholds, hard rules', () => {
    const g = standardGuide(inForce(v1), 'zh');
    expect(g.name).toBe('温州市企业质量信用分类评价标准（第1版）');
    // Activated at 00:30 on 1 July in Beijing.
    expect(g.since).toBe('2026-07-01');
    expect(g.baseScore).toBe(80);
    expect(g.losses[0]).toEqual({
      type: '监督抽查不合格',
      points: '轻微扣 4 分；一般扣 8 分；严重扣 15 分；特别严重扣 25 分；未注明程度的扣 8 分',
      window: '36 个月',
      cap: '不设上限',
    });
    expect(g.gains.map((r) => `${r.type} ${r.points} ${r.cap}`)).toEqual([
      '监督抽查合格 加 2 分 最多加 10 分',
      '质量奖 加 8 分 最多加 16 分',
      '认证 加 3 分 最多加 9 分',
      '知名品牌 加 5 分 最多加 10 分',
    ]);
    expect(g.decay).toBe(
      '记录发生之日起 12 个月内按全额计分；满 12 个月后按 50% 计分，直至计分期限届满；期满后不再计分。',
    );
    expect(g.grades.map((r) => `${r.label} ${r.score}`)).toEqual([
      'A 守信 90 分及以上',
      'B 良好 75 分及以上、不足 90 分',
      'C 警示 60 分及以上、不足 75 分',
      'D 失信 不足 60 分',
    ]);
    expect(g.hardRules.map((r) => `${r.when}：${r.effect}`)).toEqual([
      '被列入公示中的严重违法失信名单（质量黑名单）：评为 D 失信',
      '36 个月内有“吊销许可证”记录：评为 D 失信',
      '12 个月内有“重大质量事故”记录：最高评为 C 警示',
    ]);
  });

  it('follows another document: no decay, records that stop counting, no caps, no hard rules, in English', () => {
    const doc: RuleSetDocument = {
      name: 'Only one name',
      baseScore: 100,
      records: { product_recall: { points: { default: -12.5 }, windowMonths: 24 } },
      decay: { fullWeightMonths: 6, laterWeight: 1 },
      thresholds: { A: 95, B: 80, C: 70 },
      hardRules: [],
    };
    const g = standardGuide(inForce(doc), 'en');
    expect(g.name).toBe('Only one name');
    expect(g.losses).toEqual([{ type: 'Product recall', points: '−12.5', window: '24 months', cap: 'none' }]);
    expect(g.gains).toEqual([]);
    expect(g.hasCaps).toBe(false);
    expect(g.decay).toBe('A record counts in full within its counting period and not after it.');
    expect(g.grades[1].score).toBe('80 or more, below 95');
    expect(g.hardRules).toEqual([]);
    expect(standardGuide(inForce({ ...doc, decay: { fullWeightMonths: 6, laterWeight: 0 } }), 'zh').decay).toBe(
      '记录发生之日起 6 个月内按全额计分；满 6 个月后不再计分。',
    );
  });

  it('names a bilingual rule set in each language', () => {
    expect(ruleSetName('标准 · Standard', 'en')).toBe('Standard');
    expect(ruleSetName('标准 · Standard', 'zh')).toBe('标准');
  });
});
