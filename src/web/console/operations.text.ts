import { bilingual } from './console-text';
import { ADMIN_TEXT } from './admin.text';
import { RULE_SETS_TEXT } from './rule-sets.text';

/**
 * 系统运维 (the administrator's operations) and the audit checkpoint. It carries the rule-set
 * pages' job words too, since the export's progress is shown by the same job fragment.
 */
export const OPERATIONS_TEXT = bilingual(
  {
    ...RULE_SETS_TEXT.zh,
    operationsTitle: '系统运维',
    operationsIntro: '以下每项操作都先说明将做什么，确认后才执行，并记入审计日志。',
    recomputeOp: '全部重新评级',
    recomputeWhat: '按现行分类标准（第 {n} 版）给全部企业重新计算信用等级；在后台运行，可看到实时进度。',
    recomputeConfirm: '开始重新评级',
    exportOp: '生成数据导出',
    exportWhat:
      '为财政、税务等使用数据的部门重新生成某一天（北京时间）的数据导出：当天的变更、当天结束时的等级和黑名单，各为 CSV 与 NDJSON。该日须已经结束。',
    exportDate: '导出日期',
    exportDateHint: '格式 YYYY-MM-DD，北京时间，须是已经结束的一天',
    exportForce: '也重写已完整的部门（文件的 SHA-256 会改变，已下载的部门会注意到）',
    exportConfirm: '生成导出',
    exportStarted: '已开始生成 {date} 的数据导出（任务 {job}）。',
    exportDone: '{date} 的数据导出已写入：{departments}。',
    exportNothing: '{date} 的数据导出各部门均已完整，没有需要重写的。',
    keyOp: '轮换报告签名密钥',
    keyWhat:
      '停用当前签署信用报告和审计检查点的密钥（它仍公布在 /.well-known/jwks.json，已签的报告照样可以验证），并生成一把新密钥。',
    keyCurrent: '当前密钥：{kid}',
    keyConfirm: '轮换密钥',
    keyRotated: '报告签名密钥已轮换，新密钥为 {kid}。',
    keyRetired: '原密钥 {kid} 已停用，仍保留公布以便验证。',
    start: '去操作…',
  },
  {
    ...RULE_SETS_TEXT.en,
    operationsTitle: 'Operations',
    operationsIntro: 'Each operation first says what it will do and runs only once confirmed; each is audited.',
    recomputeOp: 'Grade every enterprise again',
    recomputeWhat:
      'Recompute every grade under the active rule set (version {n}); it runs in the background, with its progress live.',
    recomputeConfirm: 'Start grading again',
    exportOp: 'Write a data export',
    exportWhat:
      "Write a Beijing day's export again for the consuming departments (finance, tax): the day's changes and the grades and listings in force at its end, as CSV and NDJSON. The day must be over.",
    exportDate: 'Day to export',
    exportDateHint: 'YYYY-MM-DD, Beijing time, a day that is over',
    exportForce: "Rewrite complete departments too (their files' SHA-256 change, which partners will notice)",
    exportConfirm: 'Write the export',
    exportStarted: 'The export of {date} is being written (job {job}).',
    exportDone: 'The export of {date} is written for: {departments}.',
    exportNothing: 'Every department already has the whole export of {date}; nothing was rewritten.',
    keyOp: 'Rotate the report signing key',
    keyWhat:
      'Retire the key that signs credit reports and audit checkpoints (it stays published at /.well-known/jwks.json, so its reports still verify) and make a new one.',
    keyCurrent: 'Current key: {kid}',
    keyConfirm: 'Rotate the key',
    keyRotated: 'The report signing key was rotated; the new key is {kid}.',
    keyRetired: 'The former key {kid} is retired and stays published for verification.',
    start: 'Go…',
  },
);

/** 审计日志 with its checkpoint: the admin pages' words and the checkpoint's. */
export const AUDIT_TEXT = bilingual(
  {
    ...ADMIN_TEXT.zh,
    checkpointTitle: '创建审计检查点',
    checkpointButton: '创建检查点',
    checkpointWhat:
      '用报告签名密钥对审计链当前的长度和链头签名，生成一个检查点并公开（系统每天也会自动生成一个）。之后校验审计链时，会核对链是否仍与检查点一致。',
    checkpointHead: '当前审计链：{n} 条记录。',
    checkpointCreated: '已创建检查点：审计链 {length} 条记录，链头 {head}，时间 {at}，密钥 {kid}。',
  },
  {
    ...ADMIN_TEXT.en,
    checkpointTitle: 'Create an audit checkpoint',
    checkpointButton: 'Create checkpoint',
    checkpointWhat:
      "Sign the audit chain's current length and head with the report signing key and publish it as a checkpoint (one is also made every day). Verifying the chain later checks it still matches every checkpoint.",
    checkpointHead: 'The audit chain now: {n} entries.',
    checkpointCreated: 'Checkpoint created: {length} entries, head {head}, at {at}, key {kid}.',
  },
);
