import * as argon2 from 'argon2';
import { Client, ClientBase } from 'pg';
import { checkUscc, organisationCodeCheckDigit, USCC_ALPHABET, usccCheckCharacter } from '../common/uscc';
import { Rng } from '../common/rng';
import { loadConfig } from '../config/app-config';
import { prepareDatabase } from '../database/prepare-database';
import { disclosedByDefault, HOTLINES, RECORD_TYPES, RecordType, Severity } from '../records/record-rules';

/**
 * `npm run seed:demo`: fills a database with a deterministic demo — reference users of every
 * role, two institutions, a few thousand enterprises with valid credit codes across all
 * districts, and their credit records (a few of them corrected). One transaction, bulk
 * statements only; a second run finds the demo users and adds nothing.
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
const DEMO_AS_OF = '2026-10-31';
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

const COUNTED_TABLES = [
  'districts',
  'departments',
  'hotlines',
  'institutions',
  'users',
  'enterprises',
  'credit_records',
  'change_events',
  'audit_events',
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
  for (const [table, n] of Object.entries(summary.counts)) print(`  ${table.padEnd(16)} ${String(n).padStart(8)}`);
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
  const url = loadConfig(env).DATABASE_URL;
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
      const today = toDay(new Date().toISOString().slice(0, 10));
      const demo = generateDemo(size, districts, hotlines, Math.min(today, toDay(DEMO_AS_OF)));

      const enterprises = await insertEnterprises(client, demo.enterprises);
      const records = await insertRecords(client, demo.records);
      const corrections = await insertCorrections(client, demo.records);
      const users = await insertUsers(client, demo.enterprises[0].uscc, hashing);
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
        `seed:demo: added ${enterprises} enterprises, ${records} records, ${corrections} corrections and ${users} users ` +
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

if (require.main === module) {
  seedDemo(process.env, (line) => console.log(line)).catch((error: Error) => {
    console.error(`seed:demo failed: ${error.message}`);
    process.exitCode = 1;
  });
}
