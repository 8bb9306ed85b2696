import { adoptRows } from '../audit/adoption';
import * as argon2 from 'argon2';
import Queue from 'bull';
import { Client, ClientBase } from 'pg';
import { Action, decide as decideMove, MoveRole, Outcome, RemovalReason, Status } from '../blacklist/blacklist-states';
import {
  addDays,
  addMonths,
  addWorkingDays,
  CalendarExceptions,
  earliestRepairDate,
  isWorkingDay,
  listingExpiry,
  objectionDeadline,
  startOfBeijingDay,
} from '../common/calendar-days';
import type { ReasonCode } from '../blacklist/dto/blacklist.dto';
import { beijingDate } from '../common/clock';
import { checkUscc, organisationCodeCheckDigit, USCC_ALPHABET, usccCheckCharacter } from '../common/uscc';
import { Rng } from '../common/rng';
import { loadConfig } from '../config/app-config';
import { prepareDatabase } from '../database/prepare-database';
import { bullPrefix } from '../jobs/jobs.module';
import { DEFAULT_JOB_OPTIONS, JobName, QueueName } from '../jobs/queues';
import { disclosedByDefault, HOTLINES, RECORD_TYPES, RecordType, Severity } from '../records/record-rules';
import { OUTBOX_LOCK } from '../outbox/outbox.repository';

/**
 * `npm run seed:demo`: fills a database with a deterministic demo — reference users of every
 * role, two institutions, a few thousand enterprises with valid credit codes across all
 * districts, and their credit records (a few of them corrected); and a few dozen blacklist
 * entries in every state, with their objections, repair applications, transitions and outbox
 * events, as the blacklist service would have written them. One transaction, bulk statements
 * only; a second run finds the demo users and adds nothing.
 */

export interface DemoLogin {
  username: string;
  password: string;
  role: string;
  /** what the login is bound to, for the printout */
  scope: string;
}

export interface SeedSummary {
  /** false when the demo was already there and nothing was added */
  seeded: boolean;
  database: string;
  /** rows per table after the run */
  counts: Record<string, number>;
  logins: DemoLogin[];
  elapsedMs: number;
}

const DEFAULT_ENTERPRISES = 3000;
const MAX_ENTERPRISES = 1_000_000;
const BATCH = 5000;
const SEED = 20140098; // 温政办〔2014〕98号
const LOCK = 7_330_302;
/** Records end here (or today, if earlier), so every run on any day writes the same data. */
export const DEMO_AS_OF = '2026-10-31';
const REGISTERED_FROM = '1995-01-01';
const REGISTERED_TO = '2024-12-31';
/** Records begin with the 2014 plan's platform, back-filled a little. */
const RECORDS_FROM = '2012-01-01';
const MEAN_RECORDS = 2.85; // plus follow-up penalties ≈ 3 per enterprise
const CORRECTED_SHARE = 0.01;

const INSTITUTIONS = [
  { name: '温州银行', kind: 'bank', departmentCode: 'PBOC' },
  { name: '温州市鹿城区国家税务局', kind: 'tax', departmentCode: 'STAX' },
];
const DEMO_ENTERPRISE_DISTRICT = '330302';

interface DemoUser {
  username: string;
  password: string;
  role: 'admin' | 'regulator' | 'reviewer' | 'institution' | 'enterprise';
  departmentCode?: string;
  districtCode?: string;
  institution?: string;
  /** bound to the first seeded enterprise */
  enterprise?: true;
}

const DEMO_USERS: DemoUser[] = [
  { username: 'demo.admin', password: 'demo-admin-2024', role: 'admin' },
  { username: 'demo.regulator', password: 'demo-regulator-2024', role: 'regulator', departmentCode: 'QTS' },
  {
    username: 'demo.regulator.lucheng',
    password: 'demo-lucheng-2024',
    role: 'regulator',
    departmentCode: 'QTS',
    districtCode: '330302',
  },
  { username: 'demo.reviewer', password: 'demo-reviewer-2024', role: 'reviewer', departmentCode: 'AMR' },
  { username: 'demo.institution', password: 'demo-institution-2024', role: 'institution', institution: '温州银行' },
  { username: 'demo.enterprise', password: 'demo-enterprise-2024', role: 'enterprise', enterprise: true },
];

export const COUNTED_TABLES = [
  'districts',
  'departments',
  'hotlines',
  'institutions',
  'users',
  'enterprises',
  'credit_records',
  'change_events',
  'audit_events',
  'blacklist_entries',
  'blacklist_objections',
  'blacklist_repair_applications',
  'blacklist_transitions',
];

const DAY_MS = 86_400_000;
const toDay = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const toIso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------
// Reference vocabulary

type Kind = 'manufacturing' | 'construction' | 'tourism';

interface Trade {
  word: string;
  /** the trade as a works name, for names like 乐清市柳市电器厂 */
  works: string;
  industry: string;
  kind: Kind;
  weight: number;
  exporter: boolean;
  products: string[];
  defects: string[];
}

const TRADES: Trade[] = [
  {
    word: '阀门',
    works: '阀门厂',
    industry: 'C3443',
    kind: 'manufacturing',
    weight: 10,
    exporter: true,
    products: ['闸阀', '截止阀', '球阀', '止回阀', '蝶阀'],
    defects: ['密封性能', '壳体强度', '阀体材料', '标志'],
  },
  {
    word: '鞋业',
    works: '鞋厂',
    industry: 'C1952',
    kind: 'manufacturing',
    weight: 12,
    exporter: true,
    products: ['男式皮鞋', '女式皮鞋', '旅游鞋', '童鞋'],
    defects: ['耐折性能', '外底耐磨性能', '帮底剥离强度', '甲醛含量'],
  },
  {
    word: '电气',
    works: '电器厂',
    industry: 'C3823',
    kind: 'manufacturing',
    weight: 14,
    exporter: true,
    products: ['低压断路器', '交流接触器', '插座', '漏电保护器', '小型断路器'],
    defects: ['温升', '短路分断能力', '防触电保护', '电气间隙和爬电距离'],
  },
  {
    word: '眼镜',
    works: '眼镜厂',
    industry: 'C3587',
    kind: 'manufacturing',
    weight: 6,
    exporter: true,
    products: ['太阳镜', '老视成镜', '眼镜架', '光学眼镜片'],
    defects: ['顶焦度偏差', '光透射比', '抗冲击性能', '镍析出量'],
  },
  {
    word: '服装',
    works: '服装厂',
    industry: 'C1819',
    kind: 'manufacturing',
    weight: 8,
    exporter: true,
    products: ['衬衫', '西服', '童装', '羽绒服'],
    defects: ['纤维含量', 'pH值', '耐摩擦色牢度', '绳带要求'],
  },
  {
    word: '汽配',
    works: '汽车配件厂',
    industry: 'C3670',
    kind: 'manufacturing',
    weight: 10,
    exporter: true,
    products: ['制动片', '制动软管', '汽车灯具', '机油滤清器'],
    defects: ['制动性能', '耐压性能', '配光性能', '过滤效率'],
  },
  {
    word: '食品',
    works: '食品厂',
    industry: 'C1499',
    kind: 'manufacturing',
    weight: 5,
    exporter: false,
    products: ['糕点', '月饼', '肉制品', '酱腌菜', '饮料'],
    defects: ['菌落总数', '防腐剂含量', '标签标识', '大肠菌群'],
  },
  {
    word: '印刷',
    works: '印刷厂',
    industry: 'C2319',
    kind: 'manufacturing',
    weight: 5,
    exporter: false,
    products: ['食品包装印刷品', '不干胶标签', '彩印包装盒'],
    defects: ['苯类溶剂残留', '印刷色差', '标识'],
  },
  {
    word: '包装',
    works: '包装厂',
    industry: 'C2231',
    kind: 'manufacturing',
    weight: 5,
    exporter: false,
    products: ['瓦楞纸箱', '塑料编织袋', '复合包装袋'],
    defects: ['耐破强度', '边压强度', '溶剂残留'],
  },
  {
    word: '五金',
    works: '五金厂',
    industry: 'C3351',
    kind: 'manufacturing',
    weight: 6,
    exporter: true,
    products: ['门锁', '合页', '拉手', '卫浴五金'],
    defects: ['耐腐蚀性能', '互开率', '镀层结合力'],
  },
  {
    word: '泵业',
    works: '水泵厂',
    industry: 'C3441',
    kind: 'manufacturing',
    weight: 5,
    exporter: true,
    products: ['离心泵', '潜水电泵', '管道泵'],
    defects: ['泵效率', '绝缘电阻', '泄漏电流'],
  },
  {
    word: '塑业',
    works: '塑料制品厂',
    industry: 'C2929',
    kind: 'manufacturing',
    weight: 4,
    exporter: false,
    products: ['塑料管材', '塑料日用品', '塑料薄膜'],
    defects: ['静液压强度', '迁移量', '拉伸性能'],
  },
  {
    word: '制笔',
    works: '制笔厂',
    industry: 'C2411',
    kind: 'manufacturing',
    weight: 2,
    exporter: true,
    products: ['中性笔', '圆珠笔', '记号笔'],
    defects: ['书写性能', '可迁移元素', '笔套安全'],
  },
  {
    word: '烟具',
    works: '打火机厂',
    industry: 'C4119',
    kind: 'manufacturing',
    weight: 2,
    exporter: true,
    products: ['一次性打火机', '点火枪'],
    defects: ['防止儿童开启', '火焰高度', '燃料泄漏'],
  },
  {
    word: '建设',
    works: '建筑工程公司',
    industry: 'E4790',
    kind: 'construction',
    weight: 5,
    exporter: false,
    products: ['住宅工程', '厂房工程', '市政道路工程'],
    defects: ['混凝土强度', '钢筋保护层厚度', '防水工程', '结构实体质量'],
  },
  {
    word: '旅行社',
    works: '旅行社',
    industry: 'L7291',
    kind: 'tourism',
    weight: 3,
    exporter: false,
    products: ['团队游', '出境游', '一日游'],
    defects: ['擅自变更行程', '安排强制购物', '未签订旅游合同', '导游服务不规范'],
  },
];

/** Towns and sub-districts of each district; trades each is known for (weighted up). */
const DISTRICT_FLAVOUR: Record<string, { places: string[]; known: string[]; weight: number }> = {
  '330300': { places: ['经济技术开发区', '滨海园区', '浙南产业集聚区'], known: ['建设', '电气', '阀门'], weight: 3 },
  '330302': {
    places: ['双屿街道', '藤桥镇', '山福镇', '五马街道', '南汇街道', '仰义街道', '七都街道'],
    known: ['鞋业', '眼镜', '烟具', '服装'],
    weight: 14,
  },
  '330303': {
    places: ['永中街道', '蒲州街道', '海城街道', '状元街道', '瑶溪街道', '沙城街道'],
    known: ['阀门', '泵业', '鞋业'],
    weight: 9,
  },
  '330304': {
    places: ['娄桥街道', '潘桥街道', '郭溪街道', '丽岙街道', '仙岩街道', '梧田街道'],
    known: ['眼镜', '五金', '烟具', '汽配'],
    weight: 12,
  },
  '330305': { places: ['北岙街道', '东屏街道', '大门镇', '霓屿街道'], known: ['食品', '旅行社'], weight: 2 },
  '330324': {
    places: ['瓯北街道', '桥头镇', '桥下镇', '上塘街道', '乌牛街道', '岩头镇'],
    known: ['阀门', '泵业', '服装'],
    weight: 9,
  },
  '330326': {
    places: ['昆阳镇', '鳌江镇', '萧江镇', '水头镇', '万全镇', '腾蛟镇'],
    known: ['包装', '塑业', '鞋业'],
    weight: 7,
  },
  '330327': {
    places: ['灵溪镇', '钱库镇', '金乡镇', '宜山镇', '马站镇', '藻溪镇'],
    known: ['印刷', '包装', '塑业'],
    weight: 5,
  },
  '330328': { places: ['大峃镇', '珊溪镇', '玉壶镇', '南田镇'], known: ['食品', '旅行社'], weight: 2 },
  '330329': { places: ['罗阳镇', '司前畲族镇', '泗溪镇', '雅阳镇'], known: ['食品', '旅行社'], weight: 2 },
  '330381': {
    places: ['塘下镇', '莘塍街道', '飞云街道', '仙降街道', '马屿镇', '汀田街道', '安阳街道'],
    known: ['汽配', '鞋业', '阀门'],
    weight: 14,
  },
  '330382': {
    places: ['柳市镇', '北白象镇', '虹桥镇', '大荆镇', '清江镇', '乐成街道', '翁垟街道'],
    known: ['电气', '五金'],
    weight: 16,
  },
  '330383': { places: [], known: ['印刷', '包装', '制笔'], weight: 5 },
};

const BRANDS = (
  '宏达 恒信 金安 华盛 东方 天力 新星 永兴 正大 瑞丰 鑫源 联盛 海通 中瑞 康利 利达 嘉诚 凯达 远航 华力 贝特 ' +
  '奥星 通宇 德力 万和 国丰 兴业 博远 欧瑞 泰隆 盛世 信合 宏泰 明辉 百顺 耀华 华联 精工 南方 鹏程 友谊 飞龙 ' +
  '大成 伟业 日升 锦程 立信 合力 鸿运 振兴 金鹰 龙腾 天成 巨力 顺发 安达 高科 瓯越 江南 双鹿'
).split(' ');
/** Common surnames in Wenzhou, most common first. */
const SURNAMES = '陈林黄王张李郑周吴徐叶潘胡金朱杨刘蔡谢卢章池项';
const GIVEN = '建国伟明华志海军平勇东文斌杰强丽芳燕敏静秀红晓春永金德忠成荣俊峰洪光新瑞一乐';
const STREETS = (
  '工业路 创业路 兴业路 东山路 华兴路 永兴路 滨海大道 新民路 振兴路 科技路 发展路 人民路 车站大道 学院路 ' +
  '环城东路 经一路 纬二路'
).split(' ');
const ENV_VIOLATIONS = [
  '废水超标排放',
  '废气未经处理直接排放',
  '危险废物贮存不规范',
  '建设项目未批先建',
  '工业噪声超标排放',
  '未按规定运行污染防治设施',
];

type Weights<K extends string> = Partial<Record<K, number>>;

/** How often each type of record occurs, per kind of enterprise. */
const TYPE_WEIGHTS: Record<Kind, Weights<RecordType>> = {
  manufacturing: {
    spot_check_pass: 32,
    spot_check_fail: 11,
    administrative_penalty: 10,
    complaint_substantiated: 9,
    product_recall: 2.5,
    major_quality_incident: 0.4,
    license_revoked: 0.4,
    quality_award: 4,
    certification: 16,
    famous_brand: 3,
  },
  construction: {
    spot_check_pass: 30,
    spot_check_fail: 10,
    administrative_penalty: 12,
    complaint_substantiated: 10,
    major_quality_incident: 1,
    license_revoked: 0.6,
    quality_award: 4,
    certification: 15,
  },
  tourism: {
    spot_check_pass: 25,
    spot_check_fail: 8,
    administrative_penalty: 12,
    complaint_substantiated: 25,
    major_quality_incident: 0.5,
    license_revoked: 0.8,
    quality_award: 5,
    certification: 8,
    famous_brand: 2,
  },
};

const SEVERITY_WEIGHTS: Record<RecordType, Weights<Severity> | null> = {
  spot_check_pass: null,
  spot_check_fail: { minor: 30, general: 50, serious: 18, critical: 2 },
  administrative_penalty: { minor: 25, general: 50, serious: 22, critical: 3 },
  complaint_substantiated: { minor: 60, general: 35, serious: 5 },
  product_recall: { general: 40, serious: 50, critical: 10 },
  major_quality_incident: { serious: 60, critical: 40 },
  license_revoked: { serious: 20, critical: 80 },
  quality_award: null,
  certification: null,
  famous_brand: null,
};

/** Which regulator records a manufacturer's event of each type (complaints follow the hotline). */
const MANUFACTURING_DEPARTMENTS: Record<RecordType, Weights<string>> = {
  spot_check_pass: { QTS: 65, AMR: 25, CIQ: 10 },
  spot_check_fail: { QTS: 65, AMR: 25, CIQ: 10 },
  administrative_penalty: { QTS: 35, AMR: 40, EPB: 20, CIQ: 5 },
  complaint_substantiated: { AMR: 1 },
  product_recall: { QTS: 60, AMR: 30, CIQ: 10 },
  major_quality_incident: { QTS: 60, AMR: 40 },
  license_revoked: { QTS: 60, AMR: 40 },
  quality_award: { QTS: 70, AMR: 30 },
  certification: { QTS: 50, AMR: 25, CIQ: 25 },
  famous_brand: { QTS: 60, AMR: 40 },
};

const HOTLINE_WEIGHTS: Record<Kind, Weights<string>> = {
  manufacturing: { '12365': 45, '12315': 35, '12369': 12, '12312': 8 },
  construction: { '12315': 50, '12369': 50 },
  tourism: { '12315': 80, '12312': 20 },
};

const DOCUMENT_PREFIX: Record<string, string> = {
  QTS: '温质监',
  AMR: '温市监',
  EPB: '温环',
  HUD: '温住建',
  TOUR: '温旅',
  CIQ: '温检',
};
const DOCUMENT_WORD: Record<RecordType, string> = {
  spot_check_pass: '抽',
  spot_check_fail: '抽',
  administrative_penalty: '罚',
  complaint_substantiated: '诉',
  product_recall: '召',
  major_quality_incident: '事',
  license_revoked: '撤',
  quality_award: '奖',
  certification: '认',
  famous_brand: '名',
};

// ---------------------------------------------------------------------------------------------
// Generation: pure and deterministic for the same reference data, size and as-of date

interface DistrictRow {
  code: string;
  name_zh: string;
  level: string;
}

interface DemoEnterprise {
  uscc: string;
  name: string;
  districtCode: string;
  industryCode: string;
  legalRepresentative: string;
  address: string;
  registeredOn: number;
  status: 'active' | 'suspended' | 'revoked';
  trade: Trade;
  records: DemoRecord[];
}

interface DemoRecord {
  uscc: string;
  trade: Trade;
  type: RecordType;
  severity: Severity | null;
  day: number;
  documentNo: string;
  summary: string;
  hotline: string | null;
  departmentCode: string;
  correction: {
    action: 'amend' | 'withdraw';
    reason: string;
    severity: Severity | null;
    summary: string | null;
  } | null;
}

interface Demo {
  enterprises: DemoEnterprise[];
  records: DemoRecord[];
}

function generateDemo(size: number, districts: DistrictRow[], hotlines: Map<string, string>, asOf: number): Demo {
  const rng = new Rng(SEED);
  const codes = new Set<string>();
  const names = new Set<string>();
  const registeredFrom = toDay(REGISTERED_FROM);
  const registeredTo = toDay(REGISTERED_TO);
  const recordsFrom = toDay(RECORDS_FROM);

  const usccFor = (districtCode: string, registeredOn: number): string => {
    for (;;) {
      // Codes issued since 2016 carry a new-style "MA…" organisation code; older ones the old digits.
      const body =
        registeredOn >= toDay('2016-01-01')
          ? 'MA2' + Array.from({ length: 5 }, () => rng.pick(USCC_ALPHABET)).join('')
          : rng.pick('1567') + Array.from({ length: 7 }, () => rng.int(0, 9)).join('');
      const first17 = `91${districtCode}${body}${organisationCodeCheckDigit(body)}`;
      const uscc = first17 + usccCheckCharacter(first17);
      if (!checkUscc(uscc).valid) throw new Error(`generated an invalid credit code ${uscc}`);
      if (!codes.has(uscc)) {
        codes.add(uscc);
        return uscc;
      }
    }
  };

  const placeWord = (place: string) => place.replace(/(畲族镇|街道|镇|乡|社区)$/, '');
  const nameFor = (district: DistrictRow, place: string | null, trade: Trade): string => {
    const region =
      district.level === 'city'
        ? '温州'
        : district.level === 'district'
          ? rng.pick(['温州', '温州市', `温州市${district.name_zh}`])
          : district.name_zh;
    const suffix = rng.weighted({ 有限公司: 80, 有限责任公司: 12, 股份有限公司: 8 });
    let name = '';
    for (let attempt = 0; attempt < 40; attempt++) {
      const brand = rng.pick(BRANDS) + (attempt >= 20 ? rng.pick(GIVEN) : '');
      const form = rng.next();
      if (trade.kind !== 'manufacturing') name = `${region}${brand}${trade.word}${suffix}`;
      else if (form < 0.6) name = `${region}${brand}${trade.word}${suffix}`;
      else if (form < 0.8 && place && district.level !== 'city')
        name = `${district.level === 'district' ? '温州市' : ''}${district.name_zh}${placeWord(place)}${trade.works}`;
      else name = `浙江${brand}${trade.word}${rng.pick(['有限公司', '股份有限公司', '集团有限公司'])}`;
      if (!names.has(name)) break;
    }
    names.add(name);
    return name;
  };

  // A squared draw favours the common surnames at the front.
  const personName = () =>
    SURNAMES[Math.floor(rng.next() ** 2 * SURNAMES.length)] +
    rng.pick(GIVEN) +
    (rng.chance(0.75) ? rng.pick(GIVEN) : '');

  const addressFor = (district: DistrictRow, place: string | null) => {
    const region =
      district.level === 'county-level city'
        ? district.name_zh
        : `温州市${district.code === '330300' ? '' : district.name_zh}`;
    return `${region}${place ?? ''}${rng.pick(STREETS)}${rng.int(1, 999)}号`;
  };

  const tradeIn = (districtCode: string): Trade => {
    const known = DISTRICT_FLAVOUR[districtCode]?.known ?? [];
    const weights = Object.fromEntries(TRADES.map((t) => [t.word, t.weight * (known.includes(t.word) ? 4 : 1)]));
    const word = rng.weighted(weights);
    return TRADES.find((t) => t.word === word) as Trade;
  };

  // Enterprise 0 is the demo enterprise (a Lucheng valve maker); 1..12 cover every other district.
  const lucheng = districts.find((d) => d.code === DEMO_ENTERPRISE_DISTRICT) ?? districts[0];
  const others = districts.filter((d) => d !== lucheng);
  const districtWeights = Object.fromEntries(districts.map((d) => [d.code, DISTRICT_FLAVOUR[d.code]?.weight ?? 3]));
  const byCode = new Map(districts.map((d) => [d.code, d]));
  const enterprises: DemoEnterprise[] = [];
  for (let i = 0; i < size; i++) {
    const district =
      i === 0
        ? lucheng
        : i <= others.length
          ? others[i - 1]
          : (byCode.get(rng.weighted(districtWeights)) as DistrictRow);
    const trade = i === 0 ? TRADES[0] : tradeIn(district.code);
    const places = DISTRICT_FLAVOUR[district.code]?.places ?? [];
    const place = places.length ? rng.pick(places) : null;
    // Skewed towards recent years, as registrations have been.
    const registeredOn =
      i === 0
        ? toDay('2008-05-16')
        : registeredFrom + Math.floor(rng.next() ** 0.7 * (registeredTo - registeredFrom + 1));
    enterprises.push({
      uscc: usccFor(district.code, registeredOn),
      name: nameFor(district, place, trade),
      districtCode: district.code,
      industryCode: trade.industry,
      legalRepresentative: personName(),
      address: addressFor(district, place),
      registeredOn,
      status: i > 0 && rng.chance(0.01) ? 'suspended' : 'active',
      trade,
      records: [],
    });
  }

  const hotlineNumbers = HOTLINES.filter((h) => hotlines.has(h));
  const pickHotline = (kind: Kind) => {
    const weights = Object.fromEntries(Object.entries(HOTLINE_WEIGHTS[kind]).filter(([h]) => hotlines.has(h)));
    return Object.keys(weights).length ? rng.weighted(weights) : rng.pick(hotlineNumbers);
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
    fixed: { departmentCode?: string; severity?: Severity | null; hotline?: string } = {},
  ): DemoRecord => {
    const weights = SEVERITY_WEIGHTS[type];
    const severity = fixed.severity !== undefined ? fixed.severity : weights ? rng.weighted(weights) : null;
    const hotline = type === 'complaint_substantiated' ? (fixed.hotline ?? pickHotline(e.trade.kind)) : null;
    const departmentCode = fixed.departmentCode ?? departmentFor(type, e.trade, hotline);
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
  const showcase: [RecordType, string, string, Severity | null, string?][] = [
    ['certification', '2012-09-20', 'QTS', null],
    ['spot_check_pass', '2016-05-12', 'QTS', null],
    ['spot_check_fail', '2019-08-23', 'QTS', 'general'],
    ['administrative_penalty', '2019-11-05', 'QTS', 'general'],
    ['complaint_substantiated', '2022-03-14', 'QTS', 'minor', '12365'],
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
  return { enterprises, records };
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
      if (departmentCode === 'CIQ') return `出口${product}法定检验：批次检验合格`;
      return `${year}年第${rng.int(1, 4)}批产品质量监督抽查：${product}，所检项目符合标准要求`;
    case 'spot_check_fail':
      if (kind === 'tourism') return `旅游服务质量检查：${defect}，责令限期整改`;
      if (kind === 'construction') return `建设工程质量监督抽查：${product}${defect}不符合强制性标准，责令整改`;
      if (departmentCode === 'CIQ') return `出口${product}法定检验：${defect}不合格，不准出口`;
      return `产品质量监督抽查：${product}${defect}项目不合格，责令整改并复查`;
    case 'administrative_penalty':
      if (departmentCode === 'EPB') return `${rng.pick(ENV_VIOLATIONS)}，责令改正并处罚款${amount}`;
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

// ---------------------------------------------------------------------------------------------
// The blacklist: entries in every state, each made move by move as the blacklist service makes
// it — every move asked of the state machine, columns set and transitions written as the service
// sets and writes them, deadlines counted from the calendar — and dated back from the as-of date.

/** The blacklist settings the service counts with (from the configuration, as the service reads them). */
interface BlacklistSettings {
  objectionWorkingDays: number;
  repairMinMonths: number;
}

/** Who makes a move: a demo user (by name) in a role, or the expiry job. */
interface Mover {
  type: 'user' | 'system';
  name: string;
  role: MoveRole;
}

const EXPIRY_JOB: Mover = { type: 'system', name: 'blacklist-expiry', role: 'system' };

interface PlannedFiling {
  statement: string;
  evidence: string | null;
  filedBy: string;
  filedRole: 'enterprise' | 'regulator';
  filedAt: Date;
  outcome: Outcome | null;
  note: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
}

interface PlannedTransition {
  action: Action | 'propose';
  from: Status | null;
  to: Status;
  outcome: Outcome | null;
  mover: Mover;
  at: Date;
  note: string | null;
  /** the kind of document the move rests on; numbered in date order once all are planned */
  document: string | null;
  documentRef: string | null;
  objection: PlannedFiling | null;
  repair: PlannedFiling | null;
}

interface PlannedEntry {
  uscc: string;
  districtCode: string;
  reasonCode: ReasonCode;
  legalBasis: string;
  facts: string;
  periodMonths: number;
  departmentCode: string;
  status: Status;
  proposedBy: string;
  proposedAt: Date;
  noticedAt: Date | null;
  objectionDeadline: Date | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  publishedAt: Date | null;
  earliestRepairDate: string | null;
  expiresAt: Date | null;
  removedAt: Date | null;
  removalReason: RemovalReason | null;
  objections: PlannedFiling[];
  repairs: PlannedFiling[];
  transitions: PlannedTransition[];
  /** `blacklist.published` / `blacklist.removed`, as the service appends them (entryId added on writing) */
  events: { type: 'blacklist.published' | 'blacklist.removed'; at: Date; data: Record<string, unknown> }[];
}

type EntryChanges = Partial<
  Pick<
    PlannedEntry,
    | 'noticedAt'
    | 'objectionDeadline'
    | 'decidedBy'
    | 'decidedAt'
    | 'publishedAt'
    | 'earliestRepairDate'
    | 'expiresAt'
    | 'removedAt'
  >
>;

interface MoveInput {
  outcome?: Outcome;
  note?: string;
  document?: string;
}

/**
 * One entry's history, written move by move: each move is put to the state machine with the
 * context the service would give it at that moment (and refused loudly if it would be refused),
 * then stored as the service stores it.
 */
class EntryScript {
  private last: Date;

  constructor(
    readonly entry: PlannedEntry,
    private readonly settings: BlacklistSettings,
    private readonly exceptions: CalendarExceptions,
    private readonly end: Date,
    document: string,
  ) {
    this.last = entry.proposedAt;
    this.check(entry.proposedAt);
    this.trail(
      'propose',
      null,
      'proposed',
      { type: 'user', name: entry.proposedBy, role: 'regulator' },
      entry.proposedAt,
      {
        document,
      },
    );
  }

  notice(by: Mover, at: Date, input: MoveInput = {}): void {
    this.move('notice', by, at, input, () => ({
      changes: {
        noticedAt: at,
        objectionDeadline: objectionDeadline(at, this.settings.objectionWorkingDays, this.exceptions),
      },
    }));
  }

  object(by: Mover, at: Date, statement: string): PlannedFiling {
    const filing = this.filing(by, at, statement, null);
    this.move('object', by, at, {}, () => {
      this.entry.objections.push(filing);
      return { objection: filing };
    });
    return filing;
  }

  decideObjection(by: Mover, at: Date, objection: PlannedFiling, input: MoveInput & { outcome: Outcome }): void {
    this.move('decideObjection', by, at, input, () => {
      this.settle(objection, by, at, input);
      return {
        objection,
        changes: input.outcome === 'upheld' ? { decidedBy: by.name, decidedAt: at } : {},
      };
    });
  }

  decide(by: Mover, at: Date, input: MoveInput & { outcome: Outcome }): void {
    this.move('decide', by, at, input, () => ({ changes: { decidedBy: by.name, decidedAt: at } }));
  }

  publish(by: Mover, at: Date, input: MoveInput = {}): void {
    this.move('publish', by, at, input, () => ({
      changes: {
        publishedAt: at,
        earliestRepairDate: earliestRepairDate(at, this.settings.repairMinMonths),
        expiresAt: listingExpiry(at, this.entry.periodMonths),
      },
    }));
  }

  applyRepair(by: Mover, at: Date, statement: string, evidence: string): PlannedFiling {
    const filing = this.filing(by, at, statement, evidence);
    this.move('applyRepair', by, at, {}, () => {
      this.entry.repairs.push(filing);
      return { repair: filing };
    });
    return filing;
  }

  decideRepair(by: Mover, at: Date, repair: PlannedFiling, input: MoveInput & { outcome: Outcome }): void {
    this.move('decideRepair', by, at, input, () => {
      this.settle(repair, by, at, input);
      return { repair };
    });
  }

  revoke(by: Mover, at: Date, input: MoveInput): void {
    this.move('revoke', by, at, input, () => ({}));
  }

  withdraw(by: Mover, at: Date, input: MoveInput): void {
    this.move('withdraw', by, at, input, () => ({}));
  }

  /** The daily expiry pass (00:05 Beijing time) after the listing ended; removed as of `expiresAt`. */
  expire(): void {
    const expiresAt = this.entry.expiresAt;
    if (!expiresAt) throw new Error('seed:demo: expire before publication');
    const at = new Date(expiresAt.getTime() + 5 * 60_000);
    this.move('expire', EXPIRY_JOB, at, { note: 'listing period ended' }, () => ({
      changes: { removedAt: expiresAt },
    }));
  }

  private filing(by: Mover, at: Date, statement: string, evidence: string | null): PlannedFiling {
    return {
      statement,
      evidence,
      filedBy: by.name,
      filedRole: by.role as 'enterprise' | 'regulator',
      filedAt: at,
      outcome: null,
      note: null,
      decidedBy: null,
      decidedAt: null,
    };
  }

  private settle(filing: PlannedFiling, by: Mover, at: Date, input: MoveInput & { outcome: Outcome }): void {
    if (filing.outcome) throw new Error('seed:demo: a filing decided twice');
    Object.assign(filing, { outcome: input.outcome, note: input.note ?? null, decidedBy: by.name, decidedAt: at });
  }

  private check(at: Date): void {
    if (at.getTime() >= this.end.getTime()) {
      throw new Error(
        `seed:demo: a blacklist move on ${this.entry.uscc} falls after the as-of date (${at.toISOString()})`,
      );
    }
  }

  private move(
    action: Action,
    by: Mover,
    wanted: Date,
    input: MoveInput,
    work: () => { changes?: EntryChanges; objection?: PlannedFiling; repair?: PlannedFiling },
  ): void {
    const e = this.entry;
    // Two moves planned for one day follow each other by a little while.
    const at = wanted.getTime() > this.last.getTime() ? wanted : new Date(this.last.getTime() + 47 * 60_000);
    this.check(at);
    const verdict = decideMove(e.status, action, {
      role: by.role,
      isProposer: by.type === 'user' && by.name === e.proposedBy,
      now: at,
      today: beijingDate(at),
      objectionDeadline: e.objectionDeadline,
      pendingObjections: e.objections.filter((o) => !o.outcome).length,
      earliestRepairDate: e.earliestRepairDate,
      expiresAt: e.expiresAt,
      pendingRepairApplications: e.repairs.filter((a) => !a.outcome).length,
      outcome: input.outcome,
    });
    if (!verdict.ok) {
      throw new Error(`seed:demo: ${action} on the entry for ${e.uscc} would be refused: ${verdict.refusal.detail}`);
    }
    const effect = work();
    const from = e.status;
    e.status = verdict.to;
    if (verdict.removalReason) Object.assign(e, { removalReason: verdict.removalReason, removedAt: at });
    Object.assign(e, effect.changes ?? {});
    this.trail(action, from, verdict.to, by, at, input, effect.objection, effect.repair);
    this.last = at;
    const base = { reasonCode: e.reasonCode, districtCode: e.districtCode };
    if (from !== 'published' && e.status === 'published') {
      e.events.push({
        type: 'blacklist.published',
        at,
        data: {
          ...base,
          publishedAt: e.publishedAt?.toISOString(),
          expiresAt: e.expiresAt?.toISOString(),
          periodMonths: e.periodMonths,
        },
      });
    }
    if (from !== 'removed' && e.status === 'removed') {
      e.events.push({
        type: 'blacklist.removed',
        at,
        data: {
          ...base,
          removalReason: e.removalReason,
          removedAt: e.removedAt?.toISOString(),
          publishedAt: e.publishedAt?.toISOString(),
        },
      });
    }
  }

  private trail(
    action: Action | 'propose',
    from: Status | null,
    to: Status,
    mover: Mover,
    at: Date,
    input: MoveInput,
    objection?: PlannedFiling,
    repair?: PlannedFiling,
  ): void {
    this.entry.transitions.push({
      action,
      from,
      to,
      outcome: input.outcome ?? null,
      mover,
      at,
      note: input.note ?? null,
      document: input.document ?? null,
      documentRef: null,
      objection: objection ?? null,
      repair: repair ?? null,
    });
  }
}

const BLACKLIST_SEED = SEED + 1;
/** The records a listing may rest on. */
const GROUNDS: RecordType[] = ['spot_check_fail', 'administrative_penalty', 'product_recall', 'major_quality_incident'];
const REASON_ORDER: ReasonCode[] = [
  'substandard_products',
  'repeated_spot_check_failure',
  'recall_refused',
  'counterfeit_products',
  'major_quality_incident',
  'falsified_inspection',
  'other_serious_violation',
];
const LEGAL_BASIS: Record<ReasonCode, string> = {
  substandard_products: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第四十九条',
  repeated_spot_check_failure: '《市场监督管理严重违法失信名单管理办法》；《产品质量监督抽查管理暂行办法》',
  recall_refused: '《市场监督管理严重违法失信名单管理办法》；《消费品召回管理暂行规定》',
  counterfeit_products: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第五十条',
  major_quality_incident: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第四十九条',
  falsified_inspection: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第五十三条',
  other_serious_violation: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第五十六条',
};
/** Document words (文号) of the moves that rest on one, numbered per year in date order. */
const BLACKLIST_DOCUMENTS = {
  propose: '温质监信提',
  notice: '温质监信告',
  decide: '温市监信决',
  revoke: '温市监信撤',
  repair: '温市监信复',
};

const OBJECTIONS = [
  '抽检样品并非本企业生产批次，申请调取抽样单复核',
  '不合格批次已全部召回并销毁，违法情节轻微，申请不予列入',
  '检验报告存在程序瑕疵，已申请复检，请求暂缓认定',
  '企业已主动整改并通过复检，对事实无异议，对列入期限有异议',
];
const REPAIRS: [string, string][] = [
  ['已全部召回问题批次并完成整改，申请信用修复', '整改报告及复检合格报告'],
  ['已履行行政处罚决定并完成质量管理体系整改，申请信用修复', '罚款缴纳凭证、质量管理体系认证证书'],
  ['列入以来未再发生违法行为，申请提前移出', '近一年监督抽查合格报告及信用承诺书'],
];

interface BlacklistPeople {
  regulator: Mover;
  lucheng: Mover;
  reviewer: Mover;
  enterprise: Mover;
}

function demoPeople(): BlacklistPeople {
  const named = (role: DemoUser['role'], district?: string) => {
    const user = DEMO_USERS.find((u) => u.role === role && u.districtCode === district);
    if (!user) throw new Error(`seed:demo: no demo ${role}`);
    return { type: 'user' as const, name: user.username, role: role as MoveRole };
  };
  return {
    regulator: named('regulator'),
    lucheng: named('regulator', DEMO_ENTERPRISE_DISTRICT),
    reviewer: named('reviewer'),
    enterprise: named('enterprise'),
  };
}

/**
 * A few dozen entries in every state, against enterprises whose records could ground them,
 * spread over the districts and reasons. Pure and deterministic for the same demo, as-of date,
 * calendar and settings; every move is one the service would have allowed at its time.
 */
function planBlacklist(
  demo: Demo,
  asOf: number,
  settings: BlacklistSettings,
  exceptions: CalendarExceptions,
): PlannedEntry[] {
  const rng = new Rng(BLACKLIST_SEED);
  const people = demoPeople();
  const asOfDay = toIso(asOf);
  const end = startOfBeijingDay(addDays(asOfDay, 1));
  const n = settings.objectionWorkingDays;
  const [showcase] = demo.enterprises;

  // Days: the last working day on or before a date, stepped back or forward by working days.
  const back = (day: string, count: number) => {
    let d = day;
    while (!isWorkingDay(d, exceptions)) d = addDays(d, -1);
    for (let i = 0; i < count; i++) {
      do d = addDays(d, -1);
      while (!isWorkingDay(d, exceptions));
    }
    return d;
  };
  const after = (day: string, count: number) => addWorkingDays(day, count, exceptions);
  /** A time in office hours (Beijing) on this day. */
  const on = (day: string) => new Date(startOfBeijingDay(day).getTime() + (9 * 60 + rng.int(0, 8 * 60)) * 60_000);
  /** The first day on which the objection window of this entry is closed. */
  const closes = (s: EntryScript) => beijingDate(s.entry.objectionDeadline as Date);

  const grounds = (e: DemoEnterprise, before: number) =>
    e.records.filter((r) => GROUNDS.includes(r.type) && r.day < before && r.correction?.action !== 'withdraw');
  const candidates = demo.enterprises.filter(
    (e, i) => i > 0 && e.trade.kind === 'manufacturing' && e.status === 'active',
  );
  const districts = [...new Set(demo.enterprises.map((e) => e.districtCode))].sort();
  const used = new Set<string>();
  let turn = 0;
  /** An enterprise with grounds before the proposal, in the next district round, each once if it can be. */
  const enterpriseFor = (proposedOn: string, district?: string): DemoEnterprise => {
    const day = toDay(proposedOn);
    const fits = (e: DemoEnterprise) => e.registeredOn < day && !used.has(e.uscc);
    const wanted = district ?? districts[turn++ % districts.length];
    const pools = [
      candidates.filter((e) => fits(e) && e.districtCode === wanted && grounds(e, day).length),
      candidates.filter((e) => fits(e) && grounds(e, day).length),
      demo.enterprises.filter((e) => fits(e) && e !== showcase),
      demo.enterprises.filter((e) => e.registeredOn < day),
    ];
    const pool = pools.find((p) => p.length) ?? [showcase];
    const chosen = rng.pick(pool);
    used.add(chosen.uscc);
    return chosen;
  };

  const factsFor = (e: DemoEnterprise, reason: ReasonCode, proposedOn: string): string => {
    const basis = grounds(e, toDay(proposedOn)).slice(-3);
    const product = rng.pick(e.trade.products);
    const defect = rng.pick(e.trade.defects);
    const years = basis.length ? `${toIso(basis[0].day).slice(0, 4)}年至${proposedOn.slice(0, 4)}年间，` : '';
    const value = rng.int(3, 90);
    const text: Record<ReasonCode, string> = {
      substandard_products: `${years}生产销售的${product}经监督抽查${defect}项目不合格，货值金额${value}万元，责令改正后仍继续生产销售`,
      repeated_spot_check_failure: `${years}${product}多次监督抽查${defect}项目不合格，整改后复查仍不合格`,
      recall_refused: `${product}存在${defect}缺陷，经责令召回拒不实施召回，继续销售问题批次产品`,
      counterfeit_products: `在${product}上冒用他人厂名厂址及认证标志，以假充真销售，货值金额${value}万元`,
      major_quality_incident: `${product}${defect}缺陷引发质量安全事故，造成人员受伤和财产损失，经调查负有主要责任`,
      falsified_inspection: `向监管部门提交伪造的${product}${defect}检验报告，冒用检验机构名义出具检验结论`,
      other_serious_violation: `拒绝、阻碍监督抽查，隐匿、转移被查封的${product}`,
    };
    const documents = basis.map((r) => r.documentNo).join('、');
    return text[reason] + (documents ? `（${documents}）` : '');
  };

  const scripts: EntryScript[] = [];
  let reasonTurn = 0;
  /** A proposal made on `day`; on the demo enterprise when `own`, else on one with grounds. */
  const propose = (day: string, options: { own?: boolean; reason?: ReasonCode; months?: number } = {}) => {
    const e = options.own ? showcase : enterpriseFor(day);
    const reason = options.reason ?? REASON_ORDER[reasonTurn++ % REASON_ORDER.length];
    const proposer = e.districtCode === DEMO_ENTERPRISE_DISTRICT ? people.lucheng : people.regulator;
    const entry: PlannedEntry = {
      uscc: e.uscc,
      districtCode: e.districtCode,
      reasonCode: reason,
      legalBasis: LEGAL_BASIS[reason],
      facts: factsFor(e, reason, day),
      periodMonths: options.months ?? rng.pick([24, 36, 36]),
      departmentCode: DEMO_USERS.find((u) => u.username === proposer.name)?.departmentCode as string,
      status: 'proposed',
      proposedBy: proposer.name,
      proposedAt: on(day),
      noticedAt: null,
      objectionDeadline: null,
      decidedBy: null,
      decidedAt: null,
      publishedAt: null,
      earliestRepairDate: null,
      expiresAt: null,
      removedAt: null,
      removalReason: null,
      objections: [],
      repairs: [],
      transitions: [],
      events: [],
    };
    const script = new EntryScript(entry, settings, exceptions, end, BLACKLIST_DOCUMENTS.propose);
    scripts.push(script);
    return script;
  };
  const proposerOf = (s: EntryScript): Mover => ({ type: 'user', name: s.entry.proposedBy, role: 'regulator' });
  /** The enterprise itself, or a regulator of its district on its behalf. */
  const forEnterprise = (s: EntryScript): Mover =>
    s.entry.uscc === showcase.uscc
      ? people.enterprise
      : s.entry.districtCode === DEMO_ENTERPRISE_DISTRICT
        ? people.lucheng
        : people.regulator;
  const noticed = (s: EntryScript, day: string) =>
    s.notice(proposerOf(s), on(day), { document: BLACKLIST_DOCUMENTS.notice });
  const object = (s: EntryScript, day: string) => s.object(forEnterprise(s), on(day), rng.pick(OBJECTIONS));
  const approve = (s: EntryScript, day: string) =>
    s.decide(people.reviewer, on(day), {
      outcome: 'approved',
      note: '事实清楚，证据确凿，符合列入条件，同意列入',
      document: BLACKLIST_DOCUMENTS.decide,
    });
  /** Proposed and noticed early enough for a decision on `decideOn`, with an objection dismissed first if asked. */
  const toDecision = (decideOn: string, options: { own?: boolean; months?: number; objection?: boolean } = {}) => {
    const objection = options.objection && n > 0;
    const noticeOn = back(decideOn, Math.max(n, objection ? 4 : 0) + 2);
    const s = propose(back(noticeOn, rng.int(2, 4)), options);
    noticed(s, noticeOn);
    if (objection) {
      const filed = object(s, after(noticeOn, Math.min(2, n)));
      s.decideObjection(people.reviewer, on(after(noticeOn, Math.min(2, n) + 1)), filed, {
        outcome: 'dismissed',
        note: '经复核，抽样程序合法，检验结论有效，异议不成立',
      });
    }
    if (decideOn < closes(s)) throw new Error('seed:demo: a decision planned inside the objection window');
    return s;
  };
  const toPublication = (publishOn: string, options: { own?: boolean; months?: number; objection?: boolean } = {}) => {
    const decideOn = back(publishOn, rng.int(2, 4));
    const s = toDecision(decideOn, options);
    approve(s, decideOn);
    s.publish(rng.chance(0.3) ? people.reviewer : proposerOf(s), on(publishOn), {
      note: '通过“信用温州”网站和国家企业信用信息公示系统向社会公示',
    });
    return s;
  };
  const applyRepair = (s: EntryScript, day: string) => {
    const [statement, evidence] = rng.pick(REPAIRS);
    return s.applyRepair(forEnterprise(s), on(day), statement, evidence);
  };
  const repairable = (applyOn: string) => back(addMonths(applyOn, -settings.repairMinMonths), rng.int(5, 20));
  const longPeriod = Math.min(120, Math.max(36, settings.repairMinMonths + 24));

  // proposed: not yet noticed
  for (const k of [0, 1, 3]) propose(back(asOfDay, k));
  // noticed, the window still open, nothing filed
  for (const k of [1, 3]) {
    const noticeOn = back(asOfDay, Math.max(0, Math.min(k, n - 1)));
    noticed(propose(back(noticeOn, 2)), noticeOn);
  }
  // noticed, an objection pending: the demo enterprise's own, and one filed on an enterprise's behalf
  for (const own of [true, false]) {
    const noticeOn = back(asOfDay, Math.max(0, Math.min(own ? 4 : 6, n - 1)));
    const s = propose(back(noticeOn, 3), { own });
    noticed(s, noticeOn);
    if (n > 0) object(s, after(noticeOn, 1) <= asOfDay ? after(noticeOn, 1) : noticeOn);
  }
  // noticed, the window closed: awaiting the decision (one after an objection was dismissed)
  toDecision(back(asOfDay, 0));
  toDecision(back(asOfDay, 1));
  toDecision(back(asOfDay, 0), { objection: true });
  // rejected: an objection upheld; and a proposal turned down
  {
    const noticeOn = back(asOfDay, n + 25);
    const s = propose(back(noticeOn, 3));
    noticed(s, noticeOn);
    if (n > 0) {
      const filed = object(s, after(noticeOn, Math.min(3, n)));
      s.decideObjection(people.reviewer, on(after(noticeOn, Math.min(3, n) + 4)), filed, {
        outcome: 'upheld',
        note: '经复检，不合格样品系他人假冒本企业名义生产，列入依据不足',
        document: BLACKLIST_DOCUMENTS.decide,
      });
    } else {
      s.decide(people.reviewer, on(after(noticeOn, 4)), {
        outcome: 'rejected',
        note: '现有证据不足以证明违法行为情节严重',
        document: BLACKLIST_DOCUMENTS.decide,
      });
    }
  }
  {
    const decideOn = back(asOfDay, 35);
    toDecision(decideOn).decide(people.reviewer, on(decideOn), {
      outcome: 'rejected',
      note: '违法行为已依法处理且情节未达严重程度，不予列入',
      document: BLACKLIST_DOCUMENTS.decide,
    });
  }
  // approved, awaiting publication
  for (const k of [1, 4, 9]) {
    const decideOn = back(asOfDay, k);
    approve(toDecision(decideOn), decideOn);
  }
  // withdrawn: before notice, and while noticed
  {
    const s = propose(back(asOfDay, 26));
    s.withdraw(proposerOf(s), on(back(asOfDay, 20)), { note: '经核实，企业已在立案前完成整改，撤回拟列入申请' });
  }
  {
    const noticeOn = back(asOfDay, 50);
    const s = propose(back(noticeOn, 3));
    noticed(s, noticeOn);
    s.withdraw(proposerOf(s), on(after(noticeOn, 3)), { note: '违法主体认定有误，撤回并重新调查' });
  }
  // published, across districts and reasons, listing into the future
  for (const [months, period] of [
    [20, 36],
    [14, 36],
    [9, 24],
    [6, 36],
    [3, 12],
    [1, 36],
  ] as const) {
    toPublication(back(addMonths(asOfDay, -months), rng.int(0, 10)), { months: period, objection: months === 9 });
  }
  // published, credit repair applied for: pending (twice), refused, refused and applied for again
  for (const kind of ['pending', 'pending', 'refused', 'again'] as const) {
    const applyOn = back(asOfDay, kind === 'pending' ? rng.int(2, 15) : rng.int(60, 90));
    const s = toPublication(repairable(applyOn), { months: longPeriod });
    const filed = applyRepair(s, applyOn);
    if (kind === 'pending') continue;
    s.decideRepair(people.reviewer, on(after(applyOn, 10)), filed, {
      outcome: 'refused',
      note: '整改尚未到位，复检仍有项目不合格，不予修复',
      document: BLACKLIST_DOCUMENTS.repair,
    });
    if (kind === 'again') applyRepair(s, back(asOfDay, rng.int(1, 5)));
  }
  // removed: the listing period ended; repaired (the demo enterprise); revoked
  toPublication(back(addMonths(asOfDay, -24), 15), { months: 24 }).expire();
  {
    const applyOn = back(asOfDay, 80);
    const s = toPublication(repairable(applyOn), { own: true, months: longPeriod });
    const filed = applyRepair(s, applyOn);
    s.decideRepair(people.reviewer, on(after(applyOn, 8)), filed, {
      outcome: 'granted',
      note: '已完成整改并经复检合格，履行了法定义务，准予信用修复',
      document: BLACKLIST_DOCUMENTS.repair,
    });
  }
  toPublication(back(asOfDay, 200), { months: 36 }).revoke(people.reviewer, on(back(asOfDay, 30)), {
    note: '原行政处罚决定经行政复议撤销，列入依据不复存在',
    document: BLACKLIST_DOCUMENTS.revoke,
  });

  // Document numbers (文号) run per kind and year, in date order.
  const serials = new Map<string, number>();
  const documented = scripts
    .flatMap((s) => s.entry.transitions)
    .filter((t) => t.document)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const t of documented) {
    const year = beijingDate(t.at).slice(0, 4);
    const key = `${t.document}|${year}`;
    const serial = (serials.get(key) ?? 0) + 1;
    serials.set(key, serial);
    t.documentRef = `${t.document}〔${year}〕${serial}号`;
  }
  return scripts.map((s) => s.entry);
}

// ---------------------------------------------------------------------------------------------
// Writing

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function countRows(client: ClientBase): Promise<Record<string, number>> {
  const sql = COUNTED_TABLES.map((t) => `SELECT '${t}' AS name, count(*)::int AS n FROM ${t}`).join(' UNION ALL ');
  const rows = (await client.query<{ name: string; n: number }>(sql)).rows;
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

async function insertEnterprises(client: ClientBase, enterprises: DemoEnterprise[]): Promise<number> {
  let inserted = 0;
  for (const batch of chunks(enterprises, BATCH)) {
    const res = await client.query(
      `INSERT INTO enterprises (uscc, name, district_code, industry_code, legal_representative, address, registered_on, status)
       SELECT * FROM unnest($1::varchar[], $2::text[], $3::varchar[], $4::varchar[], $5::text[], $6::text[], $7::date[], $8::text[])
       ON CONFLICT (uscc) DO NOTHING`,
      [
        batch.map((e) => e.uscc),
        batch.map((e) => e.name),
        batch.map((e) => e.districtCode),
        batch.map((e) => e.industryCode),
        batch.map((e) => e.legalRepresentative),
        batch.map((e) => e.address),
        batch.map((e) => toIso(e.registeredOn)),
        batch.map((e) => e.status),
      ],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

async function insertRecords(client: ClientBase, records: DemoRecord[]): Promise<number> {
  let inserted = 0;
  for (const batch of chunks(records, BATCH)) {
    // handled_by comes from the hotline, as the records service does it.
    const res = await client.query(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by,
                                   disclosed, department_code)
       SELECT e.id, r.type, r.severity, r.occurred_on, r.document_no, r.summary, r.hotline, h.handled_by,
              r.disclosed, r.department_code
         FROM unnest($1::varchar[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::varchar[],
                     $8::boolean[], $9::varchar[]) WITH ORDINALITY
              AS r (uscc, type, severity, occurred_on, document_no, summary, hotline, disclosed, department_code, ord)
         JOIN enterprises e ON e.uscc = r.uscc COLLATE "C"
         LEFT JOIN hotlines h ON h.number = r.hotline
        ORDER BY r.ord
       ON CONFLICT (department_code, document_no) WHERE supersedes_id IS NULL DO NOTHING`,
      [
        batch.map((r) => r.uscc),
        batch.map((r) => r.type),
        batch.map((r) => r.severity),
        batch.map((r) => toIso(r.day)),
        batch.map((r) => r.documentNo),
        batch.map((r) => r.summary),
        batch.map((r) => r.hotline),
        batch.map((r) => disclosedByDefault(r.type)),
        batch.map((r) => r.departmentCode),
      ],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

/** Corrections supersede their record, which they find by department and document number. */
async function insertCorrections(client: ClientBase, records: DemoRecord[]): Promise<number> {
  const corrected = records.filter((r) => r.correction);
  let inserted = 0;
  for (const batch of chunks(corrected, BATCH)) {
    const res = await client.query<{ id: string }>(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by,
                                   disclosed, department_code, supersedes_id, correction, correction_reason)
       SELECT o.enterprise_id, o.type, coalesce(c.severity, o.severity), o.occurred_on, o.document_no,
              coalesce(c.summary, o.summary), o.hotline, o.handled_by, o.disclosed, o.department_code, o.id,
              c.correction, c.reason
         FROM unnest($1::varchar[], $2::varchar[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
              WITH ORDINALITY AS c (uscc, department_code, document_no, correction, reason, severity, summary, ord)
         JOIN credit_records o ON o.department_code = c.department_code
                              AND o.document_no = c.document_no COLLATE "C" AND o.supersedes_id IS NULL
         JOIN enterprises e ON e.id = o.enterprise_id AND e.uscc = c.uscc COLLATE "C"
        ORDER BY c.ord
       ON CONFLICT (supersedes_id) WHERE supersedes_id IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        batch.map((r) => r.uscc),
        batch.map((r) => r.departmentCode),
        batch.map((r) => r.documentNo),
        batch.map((r) => r.correction?.action),
        batch.map((r) => r.correction?.reason),
        batch.map((r) => r.correction?.severity ?? null),
        batch.map((r) => r.correction?.summary ?? null),
      ],
    );
    // Partners hear of every disclosed record that was corrected, as from the records service.
    await client.query(
      `INSERT INTO change_events (type, uscc, data)
       SELECT 'record.retracted', e.uscc,
              jsonb_build_object('recordId', o.id::text, 'correctedBy', n.id::text, 'action', n.correction,
                                 'type', o.type, 'documentNo', o.document_no, 'departmentCode', o.department_code)
         FROM credit_records n
         JOIN credit_records o ON o.id = n.supersedes_id
         JOIN enterprises e ON e.id = o.enterprise_id
        WHERE n.id = ANY($1::bigint[]) AND o.disclosed
        ORDER BY n.id`,
      [res.rows.map((r) => r.id)],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

async function insertUsers(client: ClientBase, enterpriseUscc: string, hashing: Promise<string[]>): Promise<number> {
  await client.query(
    `INSERT INTO institutions (name, kind, department_code)
     SELECT * FROM unnest($1::text[], $2::text[], $3::varchar[])
     ON CONFLICT (name) DO NOTHING`,
    [INSTITUTIONS.map((i) => i.name), INSTITUTIONS.map((i) => i.kind), INSTITUTIONS.map((i) => i.departmentCode)],
  );
  const hashes = await hashing;
  const res = await client.query(
    `INSERT INTO users (username, password_hash, role, department_code, district_code, institution_id, uscc)
     SELECT u.username, u.hash, u.role, u.department_code, u.district_code, i.id, u.uscc
       FROM unnest($1::text[], $2::text[], $3::text[], $4::varchar[], $5::varchar[], $6::text[], $7::varchar[])
            WITH ORDINALITY AS u (username, hash, role, department_code, district_code, institution, uscc, ord)
       LEFT JOIN institutions i ON i.name = u.institution
      ORDER BY u.ord
     ON CONFLICT ((lower(username))) DO NOTHING`,
    [
      DEMO_USERS.map((u) => u.username),
      hashes,
      DEMO_USERS.map((u) => u.role),
      DEMO_USERS.map((u) => u.departmentCode ?? null),
      DEMO_USERS.map((u) => u.districtCode ?? null),
      DEMO_USERS.map((u) => u.institution ?? null),
      DEMO_USERS.map((u) => (u.enterprise ? enterpriseUscc : null)),
    ],
  );
  return res.rowCount ?? 0;
}

/**
 * The planned blacklist as the service would have left it: entries (their ids drawn in order of
 * proposal), objections, repair applications, every transition in the order the moves were made,
 * and the outbox events of publications and removals, each at the time of its move.
 */
async function insertBlacklist(client: ClientBase, planned: PlannedEntry[]): Promise<number> {
  if (!planned.length) return 0;
  const users = new Map(
    (
      await client.query<{ id: string; username: string }>(
        `SELECT id::text, username FROM users WHERE username = ANY($1::text[])`,
        [DEMO_USERS.map((u) => u.username)],
      )
    ).rows.map((u) => [u.username, u.id]),
  );
  const userId = (name: string | null) => {
    if (name === null) return null;
    const id = users.get(name);
    if (!id) throw new Error(`seed:demo: no user ${name}`);
    return id;
  };
  const time = (d: Date) => d.getTime();
  const draw = async (table: string, count: number) =>
    (
      await client.query<{ id: string }>(
        `SELECT nextval(pg_get_serial_sequence($1, 'id'))::text AS id FROM generate_series(1, $2::int) ORDER BY 1`,
        [table, count],
      )
    ).rows
      .map((r) => r.id)
      .sort((a, b) => Number(a) - Number(b));

  const entries = [...planned].sort((a, b) => time(a.proposedAt) - time(b.proposedAt));
  const entryIds = new Map(zip(entries, await draw('blacklist_entries', entries.length)));
  const res = await client.query(
    `INSERT INTO blacklist_entries (id, enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
                                    status, department_code, proposed_by, proposed_at, noticed_at, objection_deadline,
                                    decided_by, decided_at, published_at, earliest_repair_date, expires_at, removed_at,
                                    removal_reason)
     OVERRIDING SYSTEM VALUE
     SELECT b.id, e.id, b.district_code, b.reason_code, b.legal_basis, b.facts, b.period_months, b.status,
            b.department_code, b.proposed_by, b.proposed_at, b.noticed_at, b.objection_deadline, b.decided_by,
            b.decided_at, b.published_at, b.earliest_repair_date, b.expires_at, b.removed_at, b.removal_reason
       FROM unnest($1::bigint[], $2::varchar[], $3::varchar[], $4::text[], $5::text[], $6::text[], $7::smallint[],
                   $8::text[], $9::varchar[], $10::uuid[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[],
                   $14::uuid[], $15::timestamptz[], $16::timestamptz[], $17::date[], $18::timestamptz[],
                   $19::timestamptz[], $20::text[])
            AS b (id, uscc, district_code, reason_code, legal_basis, facts, period_months, status, department_code,
                  proposed_by, proposed_at, noticed_at, objection_deadline, decided_by, decided_at, published_at,
                  earliest_repair_date, expires_at, removed_at, removal_reason)
       JOIN enterprises e ON e.uscc = b.uscc COLLATE "C"
      ORDER BY b.id`,
    [
      entries.map((e) => entryIds.get(e)),
      entries.map((e) => e.uscc),
      entries.map((e) => e.districtCode),
      entries.map((e) => e.reasonCode),
      entries.map((e) => e.legalBasis),
      entries.map((e) => e.facts),
      entries.map((e) => e.periodMonths),
      entries.map((e) => e.status),
      entries.map((e) => e.departmentCode),
      entries.map((e) => userId(e.proposedBy)),
      entries.map((e) => e.proposedAt),
      entries.map((e) => e.noticedAt),
      entries.map((e) => e.objectionDeadline),
      entries.map((e) => userId(e.decidedBy)),
      entries.map((e) => e.decidedAt),
      entries.map((e) => e.publishedAt),
      entries.map((e) => e.earliestRepairDate),
      entries.map((e) => e.expiresAt),
      entries.map((e) => e.removedAt),
      entries.map((e) => e.removalReason),
    ],
  );
  if (res.rowCount !== entries.length) throw new Error('seed:demo: a blacklist entry found no enterprise');

  // Objections and repair applications: ids in order of filing, as they were filed.
  const filingIds = new Map<PlannedFiling, string>();
  for (const [table, pick] of [
    ['blacklist_objections', (e: PlannedEntry) => e.objections],
    ['blacklist_repair_applications', (e: PlannedEntry) => e.repairs],
  ] as const) {
    const filings = entries
      .flatMap((e) => pick(e).map((f) => [e, f] as const))
      .sort(([, a], [, b]) => time(a.filedAt) - time(b.filedAt));
    if (!filings.length) continue;
    const ids = await draw(table, filings.length);
    filings.forEach(([, f], i) => filingIds.set(f, ids[i]));
    const repairs = table === 'blacklist_repair_applications';
    await client.query(
      `INSERT INTO ${table} (id, entry_id, statement, ${repairs ? 'evidence, ' : ''}filed_by, filed_role, filed_at,
                             outcome, note, decided_by, decided_at)
       OVERRIDING SYSTEM VALUE
       SELECT f.id, f.entry_id, f.statement, ${repairs ? 'f.evidence, ' : ''}f.filed_by, f.filed_role, f.filed_at,
              f.outcome, f.note, f.decided_by, f.decided_at
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                     $8::text[], $9::text[], $10::text[], $11::timestamptz[])
              AS f (id, entry_id, statement, evidence, filed_by, filed_role, filed_at, outcome, note, decided_by, decided_at)
        ORDER BY f.id`,
      [
        ids,
        filings.map(([e]) => entryIds.get(e)),
        filings.map(([, f]) => f.statement),
        filings.map(([, f]) => f.evidence),
        filings.map(([, f]) => f.filedBy),
        filings.map(([, f]) => f.filedRole),
        filings.map(([, f]) => f.filedAt),
        filings.map(([, f]) => f.outcome),
        filings.map(([, f]) => f.note),
        filings.map(([, f]) => f.decidedBy),
        filings.map(([, f]) => f.decidedAt),
      ],
    );
  }

  // Every move, in the order it was made (one entry's moves never share a moment).
  const transitions = entries
    .flatMap((e) => e.transitions.map((t) => [e, t] as const))
    .sort(([ea, a], [eb, b]) => time(a.at) - time(b.at) || Number(entryIds.get(ea)) - Number(entryIds.get(eb)));
  const movers = transitions.map(([, t]) => t.mover);
  await client.query(
    `INSERT INTO blacklist_transitions (entry_id, action, from_status, to_status, outcome, actor_type, actor_id,
                                        actor_name, actor_role, occurred_at, note, document_ref, objection_id,
                                        repair_application_id)
     SELECT entry_id, action, from_status, to_status, outcome, actor_type, actor_id, actor_name, actor_role, occurred_at,
            note, document_ref, objection_id, repair_application_id
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                          $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::bigint[],
                          $14::bigint[]) WITH ORDINALITY
                   AS t (entry_id, action, from_status, to_status, outcome, actor_type, actor_id, actor_name,
                         actor_role, occurred_at, note, document_ref, objection_id, repair_application_id, ord)
      ORDER BY ord`,
    [
      transitions.map(([e]) => entryIds.get(e)),
      transitions.map(([, t]) => t.action),
      transitions.map(([, t]) => t.from),
      transitions.map(([, t]) => t.to),
      transitions.map(([, t]) => t.outcome),
      movers.map((m) => m.type),
      movers.map((m) => (m.type === 'user' ? userId(m.name) : null)),
      movers.map((m) => m.name),
      movers.map((m) => m.role),
      transitions.map(([, t]) => t.at),
      transitions.map(([, t]) => t.note),
      transitions.map(([, t]) => t.documentRef),
      transitions.map(([, t]) => (t.objection ? filingIds.get(t.objection) : null)),
      transitions.map(([, t]) => (t.repair ? filingIds.get(t.repair) : null)),
    ],
  );

  // Publications and removals, for partners, as the service appends them (under the outbox lock).
  const events = entries
    .flatMap((e) => e.events.map((ev) => ({ ...ev, uscc: e.uscc, data: { entryId: entryIds.get(e), ...ev.data } })))
    .sort((a, b) => time(a.at) - time(b.at));
  if (events.length) {
    await client.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_LOCK]);
    await client.query(
      `INSERT INTO change_events (type, uscc, occurred_at, data)
       SELECT type, uscc, occurred_at, data::jsonb
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) WITH ORDINALITY
              AS e (type, uscc, occurred_at, data, ord)
        ORDER BY ord`,
      [
        events.map((e) => e.type),
        events.map((e) => e.uscc),
        events.map((e) => e.at),
        events.map((e) => JSON.stringify(e.data)),
      ],
    );
  }
  return entries.length;
}

function zip<A, B>(as: A[], bs: B[]): [A, B][] {
  return as.map((a, i) => [a, bs[i]]);
}

function loginsOf(enterpriseUscc: string | null): DemoLogin[] {
  return DEMO_USERS.map((u) => ({
    username: u.username,
    password: u.password,
    role: u.role,
    scope: u.enterprise
      ? (enterpriseUscc ?? 'enterprise')
      : u.institution
        ? u.institution
        : u.departmentCode
          ? `${u.departmentCode}, ${u.districtCode ?? 'city-wide'}`
          : 'system',
  }));
}

function printSummary(print: (line: string) => void, summary: SeedSummary): void {
  print('rows per table:');
  for (const [table, n] of Object.entries(summary.counts)) print(`  ${table.padEnd(30)} ${String(n).padStart(8)}`);
  print('demo logins (user name, password, role, bound to):');
  for (const l of summary.logins)
    print(`  ${l.username.padEnd(24)} ${l.password.padEnd(22)} ${l.role.padEnd(12)} ${l.scope}`);
}

export async function seedDemo(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  options: { enterprises?: number } = {},
): Promise<SeedSummary> {
  const started = Date.now();
  const size = options.enterprises ?? DEFAULT_ENTERPRISES;
  if (!Number.isInteger(size) || size < 1 || size > MAX_ENTERPRISES) {
    throw new Error(`enterprises must be a whole number from 1 to ${MAX_ENTERPRISES}, not ${size}`);
  }
  const config = loadConfig(env);
  const url = config.DATABASE_URL;
  const settings: BlacklistSettings = {
    objectionWorkingDays: config.OBJECTION_WORKING_DAYS,
    repairMinMonths: config.REPAIR_MIN_MONTHS,
  };
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  await prepareDatabase(url);

  const client = new Client({ connectionString: url, application_name: 'seed:demo' });
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      // Two seeds at once queue here; the second then finds the first one's users.
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK]);
      const [existing] = (
        await client.query<{ uscc: string | null }>(
          `SELECT (SELECT uscc FROM users WHERE lower(username) = 'demo.enterprise') AS uscc
             FROM users WHERE lower(username) = lower($1)`,
          [DEMO_USERS[0].username],
        )
      ).rows;
      if (existing) {
        const counts = await countRows(client);
        await client.query('ROLLBACK');
        const summary: SeedSummary = {
          seeded: false,
          database,
          counts,
          logins: loginsOf(existing.uscc),
          elapsedMs: Date.now() - started,
        };
        print(`seed:demo: the demo is already in ${database} (user ${DEMO_USERS[0].username} exists); nothing added`);
        printSummary(print, summary);
        return summary;
      }

      // argon2id takes a good part of a second per password: hash in the thread pool meanwhile.
      const hashing = Promise.all(DEMO_USERS.map((u) => argon2.hash(u.password, { type: argon2.argon2id })));
      hashing.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      const districts = (await client.query<DistrictRow>('SELECT code, name_zh, level FROM districts ORDER BY code'))
        .rows;
      const hotlines = new Map(
        (
          await client.query<{ number: string; handled_by: string }>('SELECT number, handled_by FROM hotlines')
        ).rows.map((h) => [h.number, h.handled_by]),
      );
      const today = toDay(beijingDate(new Date()));
      const asOf = Math.min(today, toDay(DEMO_AS_OF));
      const demo = generateDemo(size, districts, hotlines, asOf);
      // Objection deadlines count working days by the calendar, as the service does.
      const calendar = new Map(
        (
          await client.query<{ date: string; working: boolean }>(
            `SELECT to_char(day, 'YYYY-MM-DD') AS date, working FROM calendar_days`,
          )
        ).rows.map((d) => [d.date, d.working]),
      );
      const blacklist = planBlacklist(demo, asOf, settings, calendar);

      const enterprises = await insertEnterprises(client, demo.enterprises);
      const records = await insertRecords(client, demo.records);
      const corrections = await insertCorrections(client, demo.records);
      const users = await insertUsers(client, demo.enterprises[0].uscc, hashing);
      const entries = await insertBlacklist(client, blacklist);
      // The records are written here, not by the records service: adopted, so verification vouches for them.
      await adoptRows(
        async (sql, params) => (await client.query(sql, params)).rows,
        'credit_records',
        'id::text',
        'seed:demo',
      );
      await client.query(
        `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id)
         VALUES ('system', 'seed:demo', 'demo.seed', 'database', $1)`,
        [database],
      );
      const counts = await countRows(client);
      await client.query('COMMIT');

      const summary: SeedSummary = {
        seeded: true,
        database,
        counts,
        logins: loginsOf(demo.enterprises[0].uscc),
        elapsedMs: Date.now() - started,
      };
      print(
        `seed:demo: added ${enterprises} enterprises, ${records} records, ${corrections} corrections, ${users} users ` +
          `and ${entries} blacklist entries ` +
          `to ${database} in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
      );
      printSummary(print, summary);
      return summary;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end();
  }
}

/**
 * The demo's grades: a full recompute queued for the worker, which runs it as soon as `npm start`
 * brings one up. Each seed that added data queues its own job: the recompute names its chunks
 * after its job, and Bull keeps finished chunks a day, so a fixed id would hand a later seed the
 * chunks (and the totals) of an earlier one and grade nothing.
 */
export async function queueGrading(env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<void> {
  const config = loadConfig(env);
  const queue = new Queue(QueueName.Recomputes, config.REDIS_URL, { prefix: bullPrefix(config) });
  try {
    await queue.add(JobName.RecomputeAll, { reason: 'demo seed', startedBy: null }, DEFAULT_JOB_OPTIONS);
    print('seed:demo: queued the grading of every enterprise; the worker runs it when it starts');
  } finally {
    await queue.close();
  }
}

if (require.main === module) {
  const print = (line: string) => console.log(line);
  seedDemo(process.env, print)
    .then((summary) => (summary.seeded ? queueGrading(process.env, print) : undefined))
    .catch((error: Error) => {
      console.error(`seed:demo failed: ${error.message}`);
      process.exitCode = 1;
    });
}
