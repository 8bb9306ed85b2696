import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_TYPES } from '../records/record-rules';
import { FACTOR_LABELS, factorLabel } from './factor-labels';

describe('factor labels', () => {
  const v1 = JSON.parse(readFileSync(join(__dirname, '../../config/rule-sets/v1.json'), 'utf8')) as {
    hardRules: { code: string }[];
  };

  it('names every factor the classifier can give under the shipped rule set, in Chinese and English', () => {
    const codes = [...RECORD_TYPES.map((t) => `record.${t}`), ...v1.hardRules.map((r) => `hard.${r.code}`)];
    for (const code of codes) {
      expect(FACTOR_LABELS[code]).toBeDefined();
      expect(FACTOR_LABELS[code].zh).toMatch(/[\u4e00-\u9fff]/);
      expect(FACTOR_LABELS[code].en).toMatch(/^[\x20-\x7e’]+$/);
    }
    expect(factorLabel('record.spot_check_fail').zh).toBe('监督抽查不合格（扣分）');
  });

  it('falls back to the code and the rule set’s own description for a rule it does not know', () => {
    expect(factorLabel('hard.new_rule', 'Something new')).toEqual({
      zh: 'hard.new_rule: Something new',
      en: 'hard.new_rule: Something new',
    });
  });
});
