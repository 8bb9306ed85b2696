import { createHash } from 'node:crypto';

/**
 * 信用修复承诺书: what an enterprise promises when it applies for credit repair. The pages show it
 * and ask for 我已阅读并同意《信用修复承诺书》; the application records the version and the SHA-256
 * of the exact text accepted. A change of wording is a new version (the old one stays what the
 * applications that accepted it point to).
 */
export const REPAIR_COMMITMENT = {
  version: '2026-12-v1',
  title: '信用修复承诺书',
  paragraphs: [
    '本企业自愿申请对上述严重违法失信名单事项进行信用修复，并郑重承诺：',
    '一、本次申请中所填写的内容及所提交的全部材料均真实、准确、完整，不存在虚假记载、误导性陈述或者重大遗漏，复印件与原件一致。',
    '二、本企业已经依法履行行政处罚决定所确定的义务，对导致列入的违法行为已经全面整改到位，相关问题产品已经依法召回或者处置，违法行为的不良影响已经消除。',
    '三、自本承诺书签署之日起，本企业将严格遵守《中华人民共和国产品质量法》等法律法规和相关标准，建立健全质量管理制度，依法诚信经营，主动接受市场监督管理部门和社会公众的监督。',
    '四、本企业同意将本承诺书及履行情况纳入本企业信用记录，并依法向社会公开。',
    '五、如本企业违反上述承诺，或者经查实在申请过程中提供虚假材料、隐瞒真实情况，本企业自愿接受信用修复决定被撤销、重新列入严重违法失信名单，并依法承担相应的法律责任。',
  ],
  accept: '我已阅读并同意《信用修复承诺书》',
} as const;

/** The SHA-256 (hex) of the commitment's text as shown: title and paragraphs, one a line. */
export const REPAIR_COMMITMENT_SHA256 = createHash('sha256')
  .update([REPAIR_COMMITMENT.title, ...REPAIR_COMMITMENT.paragraphs].join('\n'), 'utf8')
  .digest('hex');

/** What a repair application records of the commitment its applicant accepted. */
export interface AcceptedCommitment {
  version: string;
  sha256: string;
  acceptedAt: Date;
}
