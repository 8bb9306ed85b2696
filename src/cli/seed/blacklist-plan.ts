import { MoveRole } from '../../blacklist/blacklist-states';
import type { ReasonCode } from '../../blacklist/dto/blacklist.dto';
import {
  addDays,
  addMonths,
  addWorkingDays,
  CalendarExceptions,
  isWorkingDay,
  startOfBeijingDay,
} from '../../common/calendar-days';
import { beijingDate } from '../../common/clock';
import { Rng } from '../../common/rng';
import { DemoEnterprise } from './enterprises';
import { BlacklistSettings, EntryScript, Mover, PlannedEntry } from './entry-script';
import { Demo } from './records';
import {
  BLACKLIST_DOCUMENTS,
  BLACKLIST_SEED,
  DEMO_ENTERPRISE_DISTRICT,
  DEMO_USERS,
  DemoUser,
  GROUNDS,
  LEGAL_BASIS,
  OBJECTIONS,
  REASON_ORDER,
  REPAIRS,
  toDay,
  toIso,
} from './reference-data';

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
export function planBlacklist(
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
  // noticed, the window still open, nothing filed: one the demo enterprise can object to in its portal
  for (const k of [1, 3]) {
    const noticeOn = back(asOfDay, Math.max(0, Math.min(k, n - 1)));
    noticed(propose(back(noticeOn, 2), { own: k === 1 }), noticeOn);
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
  // published, open to credit repair, nothing applied for: the demo enterprise can apply in its portal
  toPublication(repairable(back(asOfDay, 3)), { own: true, months: longPeriod });
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
