import { bilingual } from './console/console-text';

/**
 * The strings of the three public guides (分类标准说明, 信用修复指南, 异议申诉指南). Every figure
 * in them is a placeholder filled from the active rule set or the settings (see guides.ts), so
 * the text never states a number the platform does not apply.
 */
export const GUIDES_TEXT = bilingual(
  {
    // 分类标准说明
    standardIntro:
      '本页说明本平台怎样评定企业的质量信用等级。内容由现行的《{name}》自动生成：标准调整后，本页随之更新。',
    standardVersion: '现行标准：第 {version} 版',
    standardSince: '，{date} 起施行',
    scoreHeading: '一、怎样计分',
    scoreText:
      '每家企业以基础分 {base} 分起算，按计分期限内的质量信用记录加分或扣分，得出评价得分。已撤回或已被更正取代的记录不计分。',
    gainsHeading: '加分记录',
    lossesHeading: '扣分记录',
    colRecordType: '记录类别',
    colPoints: '每条记录',
    colWindow: '计分期限',
    colCap: '累计上限',
    pointsGain: '加 {n} 分',
    pointsLoss: '扣 {n} 分',
    pointsBySeverity: '{severity}{points}',
    pointsUnstated: '未注明程度的{points}',
    listSeparator: '；',
    months: '{n} 个月',
    capGain: '最多加 {n} 分',
    capLoss: '最多扣 {n} 分',
    noCap: '不设上限',
    decayHeading: '较早的记录怎样计分',
    decayText:
      '记录发生之日起 {full} 个月内按全额计分；满 {full} 个月后按 {percent}% 计分，直至计分期限届满；期满后不再计分。',
    decayNone: '记录在计分期限内全额计分，期满后不再计分。',
    decayDropped: '记录发生之日起 {full} 个月内按全额计分；满 {full} 个月后不再计分。',
    capNote: '设有累计上限的类别，同类记录合计加（扣）分不超过上限。',
    gradesHeading: '二、等级怎样划分',
    colGrade: '等级',
    colScore: '评价得分',
    colMeaning: '含义',
    scoreA: '{a} 分及以上',
    scoreBelow: '{low} 分及以上、不足 {high} 分',
    scoreD: '不足 {c} 分',
    hardHeading: '三、直接定级的情形',
    hardIntro: '有下列情形之一的，不论得分高低，按下列规定定级：',
    hardBlacklisted: '被列入公示中的严重违法失信名单（质量黑名单）',
    hardRecord: '{months} 个月内有“{type}”记录',
    hardForce: '评为 {grade}',
    hardAtBest: '最高评为 {grade}',
    hardWorst: '同时有几种情形的，取其中最低的等级。',
    hardNone: '现行标准没有直接定级的情形，等级完全按得分确定。',
    whenHeading: '四、什么时候重新评价',
    whenText:
      '信用记录新增、更正或撤回，黑名单列入或移出，记录满 {full} 个月或超过计分期限，以及启用新的评价标准时，系统都会自动重新评价，等级随之更新。',
    doubtText: '对公示的信用记录有异议，请看《异议申诉指南》；被列入黑名单后如何恢复信用，请看《信用修复指南》。',
    // 信用修复指南
    repairIntro:
      '被列入产品质量严重违法失信名单（质量黑名单）的企业，完成整改、消除不良影响后，可以申请信用修复。准予修复的，停止公示并移出名单。',
    whoHeading: '一、谁可以申请',
    whoText: '正在本平台“质量黑名单”上公示的企业，就其被列入的事项申请；也可由市场监管部门的工作人员代为登记。',
    whenApplyHeading: '二、什么时候可以申请',
    whenApplyText: '自列入名单公示之日起满 {months} 个月，方可申请。例如 {example} 公示的事项，自 {from} 起可以申请。',
    whenPendingText: '同一事项已有申请正在审核的，须等审核决定后再申请；不予修复的，可以继续整改后再次申请。',
    whenExpiryText:
      '公示期以列入决定书载明的为准（未载明的为 {months} 个月），期满自动移出名单，无需申请；公示期短于上述申请期限的，期满即移出，不必申请修复。',
    whatHeading: '三、需要提交什么',
    whatStatement: '整改情况及申请理由：说明违法行为的整改情况、行政处罚决定的履行情况、问题产品的召回或处置情况。',
    whatEvidence:
      '证明材料：如整改报告、产品复检合格报告、罚没款缴纳凭证等，最多 {files} 个文件，每个不超过 {mb} MB，限 {types} 格式。',
    whatCommitment: '在线签署《信用修复承诺书》（第 {version} 版），全文如下。',
    commitmentSummary: '《信用修复承诺书》全文',
    howHeading: '四、怎样办理',
    howLogin: '用企业账号登录本平台，进入企业信用自助服务的“黑名单事项”，选择要修复的事项。',
    howSubmit: '填写整改情况，上传证明材料，阅读并同意《信用修复承诺书》，提交申请。',
    howDecide:
      '审核人员审查材料后作出准予修复或不予修复的决定，结果在该事项的“办理情况”中可以查看。准予修复的，该事项停止公示、移出名单，企业的信用等级按得分重新评价。',
    portalLink: '进入企业信用自助服务',
    askText: '咨询电话：{contact}。',
    // 异议申诉指南
    objectionIntro:
      '监管部门拟将企业列入产品质量严重违法失信名单前，会先书面告知企业拟列入的事实、理由和依据。企业有异议的，可以在规定期限内陈述申辩。',
    periodHeading: '一、申辩期限',
    periodText:
      '自告知之日起 {days} 个工作日内提出（告知当日不计，截至最后一个工作日 24:00；节假日和调休工作日按国家公布的安排计算）。期限届满后不能再提交。',
    periodWait: '申辩期限届满、已提出的申辩全部处理完毕之前，监管部门不会作出列入决定。',
    fileHeading: '二、怎样提交',
    fileLogin: '用企业账号登录本平台，进入企业信用自助服务的“黑名单事项”，打开收到告知的事项。',
    fileStatement:
      '在“陈述申辩”中写明理由，可以附上证明材料：最多 {files} 个文件，每个不超过 {mb} MB，限 {types} 格式。',
    fileOffline: '也可以向作出告知的市场监管部门提出，由工作人员代为登记。',
    decideHeading: '三、怎样处理',
    decideText:
      '审核人员审查后作出决定：申辩理由成立的，不予列入；不成立的，不予采纳，继续办理。处理结果在该事项的“办理情况”中可以查看。',
    correctionHeading: '四、公示信息有误怎么办',
    correctionText:
      '本平台公示的企业信息、信用记录或黑名单信息有错误的，任何人都可以提交信息纠错，无需登录。工作人员核实后予以更正。',
    correctionLink: '提交信息纠错',
    alsoRepair: '已被列入名单的，请看《信用修复指南》。',
  },
  {
    standardIntro:
      'How this platform grades an enterprise’s quality credit. This page is generated from the standard in force, “{name}”: when the standard changes, so does this page.',
    standardVersion: 'Standard in force: version {version}',
    standardSince: ', in force since {date}',
    scoreHeading: '1. The score',
    scoreText:
      'Every enterprise starts from a base score of {base}; its quality-credit records within their counting periods add or take away points. Records withdrawn or superseded by a correction do not count.',
    gainsHeading: 'Records that add points',
    lossesHeading: 'Records that take points away',
    colRecordType: 'Record type',
    colPoints: 'Each record',
    colWindow: 'Counted for',
    colCap: 'Cap',
    pointsGain: '+{n}',
    pointsLoss: '−{n}',
    pointsBySeverity: '{severity} {points}',
    pointsUnstated: 'severity not stated {points}',
    listSeparator: '; ',
    months: '{n} months',
    capGain: 'at most +{n} in all',
    capLoss: 'at most −{n} in all',
    noCap: 'none',
    decayHeading: 'Older records',
    decayText:
      'A record counts in full for {full} months from its date, then at {percent}% until its counting period ends; after that it no longer counts.',
    decayNone: 'A record counts in full within its counting period and not after it.',
    decayDropped: 'A record counts in full for {full} months from its date and not after that.',
    capNote: 'Where a type has a cap, its records together add or take away no more than the cap.',
    gradesHeading: '2. The grades',
    colGrade: 'Grade',
    colScore: 'Score',
    colMeaning: 'Meaning',
    scoreA: '{a} or more',
    scoreBelow: '{low} or more, below {high}',
    scoreD: 'below {c}',
    hardHeading: '3. Grades set by rule',
    hardIntro: 'In these cases the grade is set as follows, whatever the score:',
    hardBlacklisted: 'On the published list of serious violators (the quality blacklist)',
    hardRecord: 'A “{type}” record within {months} months',
    hardForce: 'graded {grade}',
    hardAtBest: 'graded {grade} at best',
    hardWorst: 'Where several apply, the lowest grade among them is given.',
    hardNone: 'The standard in force sets no grade by rule: the score alone decides.',
    whenHeading: '4. When grades change',
    whenText:
      'An enterprise is graded again automatically when a record is added, corrected or withdrawn, when it is listed on or removed from the blacklist, when a record turns {full} months old or leaves its counting period, and when a new standard comes into force.',
    doubtText:
      'To dispute a published record, see the objection guide; to restore credit after a listing, see the credit-repair guide.',
    repairIntro:
      'An enterprise on the list of serious product-quality violators (the quality blacklist) that has put things right may apply for credit repair. If repair is granted, the entry is no longer published and leaves the list.',
    whoHeading: '1. Who may apply',
    whoText:
      'An enterprise whose entry is published on this platform’s quality blacklist, for that entry; market-regulation staff may also file an application on its behalf.',
    whenApplyHeading: '2. When',
    whenApplyText:
      '{months} months after the entry was published, not before. An entry published on {example}, for example, may be repaired from {from}.',
    whenPendingText:
      'While an application for the same entry awaits its decision, no other may be filed; after a refusal the enterprise may apply again once it has done more.',
    whenExpiryText:
      'An entry is published for the period its decision states ({months} months when it states none) and leaves the list by itself when it ends; no application is needed, and an entry listed for less than the waiting time above simply leaves when its period ends.',
    whatHeading: '3. What to submit',
    whatStatement:
      'What was put right and why repair is asked for: how the violation was corrected, how the penalty decision was carried out, how the products concerned were recalled or dealt with.',
    whatEvidence:
      'Evidence, such as a correction report, a passed re-test report or proof of paying a fine: up to {files} files of at most {mb} MB each, as {types}.',
    whatCommitment:
      'The credit-repair commitment (信用修复承诺书, version {version}), accepted online; its text follows.',
    commitmentSummary: 'The credit-repair commitment (in Chinese)',
    howHeading: '4. How',
    howLogin:
      'Sign in with the enterprise’s account and open the entry under “Blacklist entries” in the enterprise portal.',
    howSubmit: 'Describe what was put right, attach the evidence, read and accept the commitment, and submit.',
    howDecide:
      'A reviewer examines the application and grants or refuses repair; the decision shows under the entry’s progress. Once repair is granted the entry is no longer published, leaves the list, and the grade follows the score again.',
    portalLink: 'Go to the enterprise portal',
    askText: 'Enquiries: {contact}.',
    objectionIntro:
      'Before listing an enterprise as a serious product-quality violator, the regulator notifies it in writing of the facts, reasons and legal basis. An enterprise that disagrees may object (陈述申辩) within the period set.',
    periodHeading: '1. The period',
    periodText:
      'Within {days} working days of the notice (the day of the notice not counting, until 24:00 of the last working day; public holidays and make-up working days as the State announces them). After that an objection can no longer be filed.',
    periodWait: 'No decision to list is made before the period ends and every objection filed has been decided.',
    fileHeading: '2. How to object',
    fileLogin:
      'Sign in with the enterprise’s account and open the notified entry under “Blacklist entries” in the enterprise portal.',
    fileStatement:
      'Give the reasons under “Objection” and attach evidence if any: up to {files} files of at most {mb} MB each, as {types}.',
    fileOffline:
      'An objection may also be made to the market-regulation department that sent the notice, whose staff file it.',
    decideHeading: '3. What happens next',
    decideText:
      'A reviewer examines it: if the objection is upheld the enterprise is not listed; if not, the procedure goes on. The outcome shows under the entry’s progress.',
    correctionHeading: '4. Wrong published information',
    correctionText:
      'Anyone who finds an error in the enterprise facts, credit records or blacklist entries published here may report it, without signing in. Staff check and correct it.',
    correctionLink: 'Report an error',
    alsoRepair: 'For an entry already listed, see the credit-repair guide.',
  },
);

export type GuideText = (typeof GUIDES_TEXT)['zh'];
