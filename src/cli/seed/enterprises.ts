import { checkUscc, organisationCodeCheckDigit, USCC_ALPHABET, usccCheckCharacter } from '../../common/uscc';
import { Rng } from '../../common/rng';
import type { Hotline, RecordType, Severity } from '../../records/record-rules';
import {
  BRANDS,
  DEMO_ENTERPRISE_DISTRICT,
  DISTRICT_FLAVOUR,
  GIVEN,
  REGISTERED_FROM,
  REGISTERED_TO,
  STREETS,
  SURNAMES,
  toDay,
  Trade,
  TRADES,
} from './reference-data';

// Generation: pure and deterministic for the same reference data, size and as-of date.

export interface DistrictRow {
  code: string;
  name_zh: string;
  level: string;
}

export interface DemoEnterprise {
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

export interface DemoRecord {
  uscc: string;
  trade: Trade;
  type: RecordType;
  severity: Severity | null;
  day: number;
  documentNo: string;
  summary: string;
  hotline: Hotline | null;
  departmentCode: string;
  correction: {
    action: 'amend' | 'withdraw';
    reason: string;
    severity: Severity | null;
    summary: string | null;
  } | null;
}

/**
 * The demo's enterprises: the demo enterprise first (a Lucheng valve maker), then one in every
 * other district, then the rest by each district's weight and trades; valid, unique credit codes
 * and names. Their records are drawn afterwards from the same generator.
 */
export function generateEnterprises(rng: Rng, size: number, districts: DistrictRow[]): DemoEnterprise[] {
  const codes = new Set<string>();
  const names = new Set<string>();
  const registeredFrom = toDay(REGISTERED_FROM);
  const registeredTo = toDay(REGISTERED_TO);

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
  return enterprises;
}
