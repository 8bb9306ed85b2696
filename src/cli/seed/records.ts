import { Rng } from '../../common/rng';
import { Hotline, HOTLINES, RECORD_TYPES, RecordType, Severity } from '../../records/record-rules';
import { DemoEnterprise, DemoRecord, DistrictRow, generateEnterprises } from './enterprises';
import {
  agencyOn,
  CORRECTED_SHARE,
  DOCUMENT_PREFIX,
  DOCUMENT_WORD,
  ENV_VIOLATIONS,
  HOTLINE_RETIRED,
  HOTLINE_WEIGHTS,
  Kind,
  MANUFACTURING_DEPARTMENTS,
  MEAN_RECORDS,
  RECORDS_FROM,
  SEED,
  SEVERITY_WEIGHTS,
  toDay,
  toIso,
  Trade,
  TYPE_WEIGHTS,
} from './reference-data';

export interface Demo {
  enterprises: DemoEnterprise[];
  records: DemoRecord[];
}

/**
 * The whole demo, pure and deterministic for the same reference data, size and as-of date: the
 * enterprises, then their records, drawn from one generator in that order.
 */
export function generateDemo(
  size: number,
  districts: DistrictRow[],
  hotlines: Map<string, string>,
  asOf: number,
): Demo {
  const rng = new Rng(SEED);
  const enterprises = generateEnterprises(rng, size, districts);
  const records = generateRecords(rng, enterprises, hotlines, asOf);
  return { enterprises, records };
}

/**
 * Records for every enterprise up to the as-of date (a showcase file for the demo enterprise),
 * document numbers in date order, and a few corrections. Sets each enterprise's `records` and
 * revokes those whose file ends in a licence revocation; returns all records in date order.
 */
function generateRecords(
  rng: Rng,
  enterprises: DemoEnterprise[],
  hotlines: Map<string, string>,
  asOf: number,
): DemoRecord[] {
  const recordsFrom = toDay(RECORDS_FROM);

  const hotlineNumbers = HOTLINES.filter((h) => hotlines.has(h));
  // A hotline retired by a reform (12365 into 12315) takes no complaints after it.
  const pickHotline = (kind: Kind, day: number): Hotline => {
    const open = (h: string) => hotlines.has(h) && !(HOTLINE_RETIRED[h] && day >= toDay(HOTLINE_RETIRED[h]));
    const weights = Object.fromEntries(Object.entries(HOTLINE_WEIGHTS[kind]).filter(([h]) => open(h)));
    // The weights' keys are hotline numbers: Object.entries loses their type.
    return Object.keys(weights).length ? (rng.weighted(weights) as Hotline) : rng.pick(hotlineNumbers);
  };
  const departmentFor = (type: RecordType, trade: Trade, hotline: string | null): string => {
    if (hotline) return hotlines.get(hotline) as string;
    if (trade.kind === 'construction')
      return type === 'administrative_penalty' ? rng.weighted({ HUD: 7, EPB: 3 }) : 'HUD';
    if (trade.kind === 'tourism') return type === 'administrative_penalty' ? rng.weighted({ TOUR: 7, AMR: 3 }) : 'TOUR';
    const department = rng.weighted(MANUFACTURING_DEPARTMENTS[type]);
    return department === 'CIQ' && !trade.exporter ? 'QTS' : department;
  };

  const record = (
    e: DemoEnterprise,
    type: RecordType,
    day: number,
    fixed: { departmentCode?: string; severity?: Severity | null; hotline?: Hotline } = {},
  ): DemoRecord => {
    const weights = SEVERITY_WEIGHTS[type];
    const severity = fixed.severity !== undefined ? fixed.severity : weights ? rng.weighted(weights) : null;
    const hotline = type === 'complaint_substantiated' ? (fixed.hotline ?? pickHotline(e.trade.kind, day)) : null;
    // The department as it was named on the day: the successor after a reform, never before.
    const departmentCode = agencyOn(fixed.departmentCode ?? departmentFor(type, e.trade, hotline), day);
    return {
      uscc: e.uscc,
      trade: e.trade,
      type,
      severity,
      day,
      documentNo: '',
      summary: summarise(rng, type, e.trade, departmentCode, severity, hotline, day),
      hotline,
      departmentCode,
      correction: null,
    };
  };

  // A showcase file for the demo enterprise; everyone else gets records at random, more for
  // enterprises that have been around longer.
  const [demo] = enterprises;
  const showcase: [RecordType, string, string, Severity | null, Hotline?][] = [
    ['certification', '2012-09-20', 'QTS', null],
    ['spot_check_pass', '2016-05-12', 'QTS', null],
    ['spot_check_fail', '2019-08-23', 'QTS', 'general'],
    ['administrative_penalty', '2019-11-05', 'QTS', 'general'],
    ['complaint_substantiated', '2022-03-14', 'QTS', 'minor', '12315'],
    ['famous_brand', '2023-12-01', 'AMR', null],
    ['spot_check_pass', '2025-06-18', 'AMR', null],
  ];
  for (const [type, date, departmentCode, severity, hotline] of showcase) {
    const day = toDay(date);
    if (day >= demo.registeredOn && day <= asOf)
      demo.records.push(record(demo, type, day, { departmentCode, severity, hotline }));
  }
  const activeFrom = (e: DemoEnterprise) => Math.max(e.registeredOn, recordsFrom);
  const weightOf = (e: DemoEnterprise) => 1 + Math.max(0, asOf - activeFrom(e)) / 365;
  const meanWeight = enterprises.reduce((sum, e) => sum + weightOf(e), 0) / enterprises.length;
  for (const e of enterprises.slice(1)) {
    const from = activeFrom(e);
    if (from > asOf) continue;
    const count = rng.poisson((MEAN_RECORDS * weightOf(e)) / meanWeight);
    for (let k = 0; k < count; k++) {
      const type = rng.weighted(TYPE_WEIGHTS[e.trade.kind]);
      const r = record(e, type, rng.int(from, asOf));
      e.records.push(r);
      // A failed spot check is often followed by a penalty from the same department.
      const followUp = r.day + rng.int(30, 120);
      if (type === 'spot_check_fail' && r.severity !== 'minor' && rng.chance(0.4) && followUp <= asOf) {
        e.records.push(record(e, 'administrative_penalty', followUp, { departmentCode: r.departmentCode }));
      }
    }
  }
  // Every type occurs at least once, however small the demo.
  const present = new Set(enterprises.flatMap((e) => e.records.map((r) => r.type)));
  const hosts = enterprises.slice(1).filter((e) => e.trade.kind === 'manufacturing' && activeFrom(e) <= asOf);
  for (const type of RECORD_TYPES.filter((t) => !present.has(t))) {
    if (!hosts.length) break;
    const e = rng.pick(hosts);
    e.records.push(record(e, type, rng.int(activeFrom(e), asOf)));
  }

  // Nothing follows a licence revocation: the enterprise's file ends there.
  for (const e of enterprises) {
    e.records.sort((a, b) => a.day - b.day);
    const revoked = e.records.findIndex((r) => r.type === 'license_revoked');
    if (revoked >= 0) {
      e.records.length = revoked + 1;
      e.status = 'revoked';
    }
  }

  // Document numbers run per department, kind and year, in date order.
  const records = enterprises.flatMap((e) => e.records).sort((a, b) => a.day - b.day);
  const serials = new Map<string, number>();
  for (const r of records) {
    const prefix = (DOCUMENT_PREFIX[r.departmentCode] ?? `温${r.departmentCode}`) + DOCUMENT_WORD[r.type];
    const year = toIso(r.day).slice(0, 4);
    const key = `${prefix}|${year}`;
    const serial = (serials.get(key) ?? 0) + 1;
    serials.set(key, serial);
    r.documentNo = `${prefix}字〔${year}〕${String(serial).padStart(5, '0')}号`;
  }

  // A few corrections; a revocation stands (it ended the enterprise's file).
  for (const r of records) {
    if (r.type === 'license_revoked' || !rng.chance(CORRECTED_SHARE)) continue;
    if (rng.chance(0.35)) {
      r.correction = { action: 'withdraw', reason: withdrawalReason(r.type), severity: null, summary: null };
    } else if (r.severity && r.severity !== 'minor' && r.type === 'spot_check_fail') {
      const lower = SEVERITY_ORDER[SEVERITY_ORDER.indexOf(r.severity) - 1];
      r.correction = {
        action: 'amend',
        reason: '复检报告表明缺陷程度较轻，依复检结论更正严重程度',
        severity: lower,
        summary: null,
      };
    } else {
      const summary = summarise(rng, r.type, r.trade, r.departmentCode, r.severity, r.hotline, r.day);
      const reason =
        r.type === 'administrative_penalty' ? '罚款金额录入错误，依行政处罚决定书更正' : '摘要录入有误，依原始文书更正';
      r.correction = {
        action: 'amend',
        reason,
        severity: null,
        summary: summary === r.summary ? `${summary}（更正）` : summary,
      };
    }
  }
  // Both kinds of correction occur, however few the draws gave.
  const corrected = records.filter((r) => r.correction);
  if (corrected.length >= 2 && !corrected.some((r) => r.correction!.action === 'withdraw')) {
    const r = corrected[0];
    r.correction = { action: 'withdraw', reason: withdrawalReason(r.type), severity: null, summary: null };
  }
  return records;
}

const SEVERITY_ORDER: Severity[] = ['minor', 'general', 'serious', 'critical'];

function withdrawalReason(type: RecordType): string {
  switch (type) {
    case 'administrative_penalty':
      return '行政复议决定撤销原行政处罚决定，予以撤回';
    case 'spot_check_fail':
      return '复检合格，原检验结论依法撤销';
    case 'complaint_substantiated':
      return '经复查投诉事实不成立，予以撤回';
    default:
      return '重复录入，予以撤回';
  }
}

const PENALTY_RANGE: Record<Severity, [number, number]> = {
  minor: [5, 20],
  general: [20, 100],
  serious: [100, 500],
  critical: [500, 2000],
};

/** A one-line summary as a regulator would write it. */
function summarise(
  rng: Rng,
  type: RecordType,
  trade: Trade,
  departmentCode: string,
  severity: Severity | null,
  hotline: string | null,
  day: number,
): string {
  const year = toIso(day).slice(0, 4);
  const product = rng.pick(trade.products);
  const defect = rng.pick(trade.defects);
  const { kind } = trade;
  const [low, high] = PENALTY_RANGE[severity ?? 'general'];
  const fine = rng.int(low, high) * 1000;
  const amount = fine % 10000 ? `${(fine / 10000).toFixed(1)}万元` : `${fine / 10000}万元`;
  switch (type) {
    case 'spot_check_pass':
      if (kind === 'tourism') return `${year}年旅游服务质量检查：${product}服务规范，检查合格`;
      if (kind === 'construction') return `${year}年建设工程质量监督抽查：${product}，抽查项目符合强制性标准`;
      if (departmentCode === 'CIQ' || departmentCode === 'CUSTOMS') return `出口${product}法定检验：批次检验合格`;
      return `${year}年第${rng.int(1, 4)}批产品质量监督抽查：${product}，所检项目符合标准要求`;
    case 'spot_check_fail':
      if (kind === 'tourism') return `旅游服务质量检查：${defect}，责令限期整改`;
      if (kind === 'construction') return `建设工程质量监督抽查：${product}${defect}不符合强制性标准，责令整改`;
      if (departmentCode === 'CIQ' || departmentCode === 'CUSTOMS')
        return `出口${product}法定检验：${defect}不合格，不准出口`;
      return `产品质量监督抽查：${product}${defect}项目不合格，责令整改并复查`;
    case 'administrative_penalty':
      if (departmentCode === 'EPB' || departmentCode === 'ECO')
        return `${rng.pick(ENV_VIOLATIONS)}，责令改正并处罚款${amount}`;
      if (departmentCode === 'CIQ' || departmentCode === 'CUSTOMS')
        return `出口${product}${defect}不合格，违反《中华人民共和国进出口商品检验法》，处罚款${amount}`;
      if (kind === 'tourism') return `${defect}，违反《中华人民共和国旅游法》，处罚款${amount}`;
      if (kind === 'construction') return `${product}${defect}不符合工程建设强制性标准，处罚款${amount}`;
      return `生产销售${defect}不合格的${product}，没收违法所得并处罚款${amount}`;
    case 'complaint_substantiated':
      if (hotline === '12369') return `群众通过12369举报${rng.pick(ENV_VIOLATIONS)}，经核查属实，已责令整改`;
      if (kind === 'tourism') return `游客通过${hotline}投诉${defect}，经调查属实，已责令退赔并整改`;
      if (kind === 'construction') return `业主通过${hotline}投诉${product}${defect}问题，经查属实，已责令返修`;
      return `消费者通过${hotline}投诉${product}${defect}问题，经调查属实，已责令整改`;
    case 'product_recall':
      return `${product}${defect}不符合标准，存在安全隐患，实施召回${rng.int(2, 300) * 10}件`;
    case 'major_quality_incident':
      if (kind === 'tourism') return '发生游客滞留重大旅游服务质量事件，已立案调查';
      if (kind === 'construction')
        return `${product}发生${rng.pick(['模板支撑体系坍塌', '外墙脱落', '楼板开裂'])}质量事故，已责令停工整改`;
      return `${product}${defect}缺陷引发质量安全事故，造成${rng.int(1, 5)}人受伤，已立案调查`;
    case 'license_revoked':
      if (kind === 'tourism') return '旅行社业务经营许可证被依法吊销';
      if (kind === 'construction') return '建筑业企业资质证书被依法撤回';
      return `${product}工业产品生产许可证被依法吊销`;
    case 'quality_award':
      if (kind === 'tourism') return `荣获${year}年度${rng.pick(['温州市优秀旅行社', '浙江省诚信旅行社'])}称号`;
      if (kind === 'construction')
        return `${product}荣获${year}年度${rng.pick(['浙江省“钱江杯”优质工程奖', '温州市“瓯江杯”优质工程奖'])}`;
      return `荣获${year}年度${rng.pick(['温州市市长质量奖', '温州市质量奖提名奖', '浙江省质量奖提名奖', '温州市质量管理优秀企业'])}`;
    case 'certification': {
      const certificates = ['ISO 9001质量管理体系认证'];
      if (kind === 'manufacturing') certificates.push('ISO 14001环境管理体系认证', '“品字标浙江制造”认证');
      if (kind === 'construction') certificates.push('GB/T 50430工程建设施工企业质量管理体系认证');
      if (trade.word === '电气') certificates.push('CCC强制性产品认证');
      if (trade.exporter) certificates.push('CE认证');
      return `通过${rng.pick(certificates)}，证书有效期三年`;
    }
    case 'famous_brand': {
      const titles = ['温州市知名商号', '浙江省知名商号'];
      if (kind === 'manufacturing') titles.push('浙江名牌产品', '温州名牌产品');
      const title = rng.pick(titles);
      return title.endsWith('商号') ? `企业字号被认定为${title}` : `${product}被认定为${title}`;
    }
  }
}
