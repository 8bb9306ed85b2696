import type { ReasonCode } from '../../blacklist/dto/blacklist.dto';
import type { InstitutionKind } from '../../identity/institution.entity';
import type { RecordType, Severity } from '../../records/record-rules';

/**
 * The demo's reference data: the fixed choices behind every generated name, code, record and
 * listing — the seed, the dates, the demo users and institutions, the trades of each district,
 * the vocabulary regulators write in. Constants only; the generators draw from them.
 */

export const SEED = 20140098; // 温政办〔2014〕98号
/**
 * The tests' as-of day: records and the blacklist's moves end here (or today, if earlier), so a
 * test's seed writes the same data on any day. `npm run seed:demo` uses the day it runs
 * (SEED_AS_OF to pin one).
 */
export const DEMO_AS_OF = '2026-10-31';
export const REGISTERED_FROM = '1995-01-01';
export const REGISTERED_TO = '2024-12-31';
/** Records begin with the 2014 plan's platform, back-filled a little. */
export const RECORDS_FROM = '2012-01-01';
export const MEAN_RECORDS = 2.85; // plus follow-up penalties ≈ 3 per enterprise
export const CORRECTED_SHARE = 0.01;

export const INSTITUTIONS: { name: string; kind: InstitutionKind; departmentCode: string }[] = [
  { name: '温州银行', kind: 'bank', departmentCode: 'PBOC' },
  { name: '国家税务总局温州市鹿城区税务局', kind: 'tax', departmentCode: 'TAX' },
];

/** The agencies the 2018–2019 reforms created that the migrations' reference data lacks. */
export const NEW_AGENCIES: { code: string; nameZh: string; nameEn: string; kind: 'regulator' | 'tax' }[] = [
  { code: 'CUSTOMS', nameZh: '温州海关', nameEn: 'Wenzhou Customs', kind: 'regulator' },
  {
    code: 'TAX',
    nameZh: '国家税务总局温州市税务局',
    nameEn: 'Wenzhou Municipal Tax Service, State Taxation Administration',
    kind: 'tax',
  },
  { code: 'ECO', nameZh: '温州市生态环境局', nameEn: 'Wenzhou Ecology and Environment Bureau', kind: 'regulator' },
  {
    code: 'HURD',
    nameZh: '温州市住房和城乡建设局',
    nameEn: 'Wenzhou Housing and Urban-Rural Development Bureau',
    kind: 'regulator',
  },
  {
    code: 'CRT',
    nameZh: '温州市文化广电旅游局',
    nameEn: 'Wenzhou Culture, Radio, Television and Tourism Bureau',
    kind: 'regulator',
  },
];

/**
 * The reforms, as department mergers: from `on` (a Beijing date) the predecessor's work is its
 * successor's. Customs took over entry-exit inspection on 2018-04-20; the state and local tax
 * bureaus became one on 2018-07-20; in Wenzhou the market supervision administration took over
 * quality and technical supervision in January 2019, when the city's environment, housing and
 * tourism bureaus also became the 生态环境局, 住房和城乡建设局 and 文化广电旅游局. The seed records the mergers (the
 * predecessors' rows stay, with their successors) and names each record's department as it was
 * on the record's date.
 */
export const REFORMS: { code: string; successor: string; on: string }[] = [
  { code: 'CIQ', successor: 'CUSTOMS', on: '2018-04-20' },
  { code: 'STAX', successor: 'TAX', on: '2018-07-20' },
  { code: 'LTAX', successor: 'TAX', on: '2018-07-20' },
  { code: 'QTS', successor: 'AMR', on: '2019-01-01' },
  { code: 'EPB', successor: 'ECO', on: '2019-01-01' },
  { code: 'HUD', successor: 'HURD', on: '2019-01-01' },
  { code: 'TOUR', successor: 'CRT', on: '2019-01-01' },
];

/**
 * The department that did on `day` the work `code` stands for: the successor after a reform,
 * the predecessor before it when there was one alone (the market supervision administration's
 * work before 2019 was the quality and technical supervision bureau's; the tax bureau had two).
 */
export function agencyOn(code: string, day: number): string {
  const after = REFORMS.find((r) => r.code === code);
  if (after && day >= toDay(after.on)) return after.successor;
  const before = REFORMS.filter((r) => r.successor === code);
  if (before.length === 1 && day < toDay(before[0].on)) return before[0].code;
  return code;
}

/** The 12365 quality hotline became part of 12315 with the 2019 reform. */
export const HOTLINE_RETIRED: Record<string, string> = { '12365': '2019-01-01' };
export const DEMO_ENTERPRISE_DISTRICT = '330302';

export interface DemoUser {
  username: string;
  password: string;
  role: 'admin' | 'regulator' | 'reviewer' | 'institution' | 'enterprise';
  departmentCode?: string;
  districtCode?: string;
  institution?: string;
  /** bound to the first seeded enterprise */
  enterprise?: true;
}

export const DEMO_USERS: DemoUser[] = [
  { username: 'demo.admin', password: 'demo-admin-2024', role: 'admin' },
  { username: 'demo.regulator', password: 'demo-regulator-2024', role: 'regulator', departmentCode: 'AMR' },
  {
    username: 'demo.regulator.lucheng',
    password: 'demo-lucheng-2024',
    role: 'regulator',
    departmentCode: 'AMR',
    districtCode: '330302',
  },
  { username: 'demo.reviewer', password: 'demo-reviewer-2024', role: 'reviewer', departmentCode: 'AMR' },
  { username: 'demo.institution', password: 'demo-institution-2024', role: 'institution', institution: '温州银行' },
  { username: 'demo.enterprise', password: 'demo-enterprise-2024', role: 'enterprise', enterprise: true },
];

const DAY_MS = 86_400_000;
/** Days since 1970-01-01: the generators count in whole days. */
export const toDay = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
export const toIso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------
// Reference vocabulary

export type Kind = 'manufacturing' | 'construction' | 'tourism';

export interface Trade {
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

export const TRADES: Trade[] = [
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
export const DISTRICT_FLAVOUR: Record<string, { places: string[]; known: string[]; weight: number }> = {
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

export const BRANDS = (
  '宏达 恒信 金安 华盛 东方 天力 新星 永兴 正大 瑞丰 鑫源 联盛 海通 中瑞 康利 利达 嘉诚 凯达 远航 华力 贝特 ' +
  '奥星 通宇 德力 万和 国丰 兴业 博远 欧瑞 泰隆 盛世 信合 宏泰 明辉 百顺 耀华 华联 精工 南方 鹏程 友谊 飞龙 ' +
  '大成 伟业 日升 锦程 立信 合力 鸿运 振兴 金鹰 龙腾 天成 巨力 顺发 安达 高科 瓯越 江南 双鹿'
).split(' ');
/** Common surnames in Wenzhou, most common first. */
export const SURNAMES = '陈林黄王张李郑周吴徐叶潘胡金朱杨刘蔡谢卢章池项';
export const GIVEN = '建国伟明华志海军平勇东文斌杰强丽芳燕敏静秀红晓春永金德忠成荣俊峰洪光新瑞一乐';
export const STREETS = (
  '工业路 创业路 兴业路 东山路 华兴路 永兴路 滨海大道 新民路 振兴路 科技路 发展路 人民路 车站大道 学院路 ' +
  '环城东路 经一路 纬二路'
).split(' ');
export const ENV_VIOLATIONS = [
  '废水超标排放',
  '废气未经处理直接排放',
  '危险废物贮存不规范',
  '建设项目未批先建',
  '工业噪声超标排放',
  '未按规定运行污染防治设施',
];

export type Weights<K extends string> = Partial<Record<K, number>>;

/** How often each type of record occurs, per kind of enterprise. */
export const TYPE_WEIGHTS: Record<Kind, Weights<RecordType>> = {
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

export const SEVERITY_WEIGHTS: Record<RecordType, Weights<Severity> | null> = {
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
export const MANUFACTURING_DEPARTMENTS: Record<RecordType, Weights<string>> = {
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

export const HOTLINE_WEIGHTS: Record<Kind, Weights<string>> = {
  manufacturing: { '12365': 45, '12315': 35, '12369': 12, '12312': 8 },
  construction: { '12315': 50, '12369': 50 },
  tourism: { '12315': 80, '12312': 20 },
};

export const DOCUMENT_PREFIX: Record<string, string> = {
  QTS: '温质监',
  AMR: '温市监',
  EPB: '温环',
  HUD: '温住建',
  TOUR: '温旅',
  CIQ: '温检',
  CUSTOMS: '温关',
  ECO: '温环',
  HURD: '温住建',
  CRT: '温文旅',
};
export const DOCUMENT_WORD: Record<RecordType, string> = {
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
// The blacklist's vocabulary

export const BLACKLIST_SEED = SEED + 1;
/** The records a listing may rest on. */
export const GROUNDS: RecordType[] = [
  'spot_check_fail',
  'administrative_penalty',
  'product_recall',
  'major_quality_incident',
];
export const REASON_ORDER: ReasonCode[] = [
  'substandard_products',
  'repeated_spot_check_failure',
  'recall_refused',
  'counterfeit_products',
  'major_quality_incident',
  'falsified_inspection',
  'other_serious_violation',
];
export const LEGAL_BASIS: Record<ReasonCode, string> = {
  substandard_products: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第四十九条',
  repeated_spot_check_failure: '《市场监督管理严重违法失信名单管理办法》；《产品质量监督抽查管理暂行办法》',
  recall_refused: '《市场监督管理严重违法失信名单管理办法》；《消费品召回管理暂行规定》',
  counterfeit_products: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第五十条',
  major_quality_incident: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第四十九条',
  falsified_inspection: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第五十三条',
  other_serious_violation: '《市场监督管理严重违法失信名单管理办法》；《中华人民共和国产品质量法》第五十六条',
};
/** Document words (文号) of the moves that rest on one, numbered per year in date order. */
export const BLACKLIST_DOCUMENTS = {
  propose: '温质监信提',
  notice: '温质监信告',
  decide: '温市监信决',
  revoke: '温市监信撤',
  repair: '温市监信复',
};

export const OBJECTIONS = [
  '抽检样品并非本企业生产批次，申请调取抽样单复核',
  '不合格批次已全部召回并销毁，违法情节轻微，申请不予列入',
  '检验报告存在程序瑕疵，已申请复检，请求暂缓认定',
  '企业已主动整改并通过复检，对事实无异议，对列入期限有异议',
];
export const REPAIRS: [string, string][] = [
  ['已全部召回问题批次并完成整改，申请信用修复', '整改报告及复检合格报告'],
  ['已履行行政处罚决定并完成质量管理体系整改，申请信用修复', '罚款缴纳凭证、质量管理体系认证证书'],
  ['列入以来未再发生违法行为，申请提前移出', '近一年监督抽查合格报告及信用承诺书'],
];
