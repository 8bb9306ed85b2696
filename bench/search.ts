/**
 * Public search benchmark: N enterprises with realistic Chinese company names (place names of
 * Wenzhou, brand words, trade words, legal forms) loaded straight into a fresh database by COPY,
 * then `GET /api/v1/public/enterprises?q=` through HTTP on the built server (ROLE=all, its own
 * process): p50/p95 for 1-, 2-, 3- and 4-character fragments cut from real names (common and
 * rare alike) and for credit-code prefixes, and `EXPLAIN (ANALYZE, BUFFERS)` of each rank's
 * statements for a common and a rare query of each class.
 *
 *   npx tsc -p tsconfig.build.json --outDir .bench-dist-search
 *   BENCH_DIST=.bench-dist-search npx tsx bench/search.ts --enterprises 1000000 --queries 300
 *
 * --keep leaves the database; --reuse runs on the one a kept run left, without loading.
 */
import { resolve } from 'node:path';
import { Client } from 'pg';
import { Rng } from '../src/common/rng';
import { makeUscc } from '../src/common/uscc';
import { arg, BenchServer, copyEnterprises, DATABASE_SERVER, DIST, DISTRICTS, machine, percentile, sql } from './lib';

const N = arg('enterprises', 100_000);
const Q = arg('queries', 300);
const PORT = arg('port', 3997);
const DB = 'qc_bench_search';
const PREFIX = 'qc_bench_search';

/** A deterministic generator (the project's mulberry32), so that every run loads the same names. */
function rng(seed: number): () => number {
  const generator = new Rng(seed);
  return () => generator.next();
}

/** Place names by district code (the district itself and some of its towns). */
const PLACES: Record<string, string[]> = {
  '330302': ['鹿城', '南郊', '双屿', '藤桥', '仰义', '七都'],
  '330303': ['龙湾', '永中', '状元', '蒲州', '海城', '瑶溪'],
  '330304': ['瓯海', '梧田', '娄桥', '郭溪', '仙岩', '泽雅'],
  '330305': ['洞头', '北岙', '大门', '鹿西'],
  '330324': ['永嘉', '瓯北', '桥头', '桥下', '上塘', '乌牛'],
  '330326': ['平阳', '鳌江', '萧江', '水头', '昆阳', '万全'],
  '330327': ['苍南', '灵溪', '金乡', '钱库', '宜山', '马站'],
  '330328': ['文成', '大峃', '玉壶', '南田'],
  '330329': ['泰顺', '罗阳', '雅阳', '泗溪'],
  '330381': ['瑞安', '塘下', '安阳', '飞云', '莘塍', '汀田'],
  '330382': ['乐清', '柳市', '虹桥', '北白象', '白石', '大荆'],
  '330383': ['龙港', '新城', '芦浦', '舥艚'],
};
/** Brand words are two characters, one from each list: 120 × 120 brands, some far commoner than others. */
const BRAND_FIRST = Array.from(
  '正德华兴宏利金鑫盛源恒泰永康嘉瑞天成博达新宇鸿运庆丰海通东方长城光明建国富强顺发信诚立新中联亚龙' +
    '奥康红蜻蜓报喜鸟森马美特斯康奈人民德力西天正环宇精工创联众合万洋锦绣凯越星辰锐意晨光卓越',
).slice(0, 120);
const BRAND_SECOND = Array.from(
  '华兴达泰丰源安康利隆昌盛和顺发祥瑞福禄宝通明辉腾飞鹏程远航宇宏伟业诚信义德仁智勇毅恒久丰登' +
    '嘉禾美佳俊杰伦豪杰群英汇贤才俊秀雅致远志高峰岭川江河湖海洋森林木',
).slice(0, 120);
const TRADES = [
  '阀门',
  '鞋业',
  '服饰',
  '眼镜',
  '电器',
  '电气',
  '汽摩配件',
  '印刷',
  '包装',
  '塑料',
  '五金',
  '机械',
  '泵业',
  '制笔',
  '打火机',
  '合成革',
  '纽扣',
  '拉链',
  '锁具',
  '教玩具',
  '食品',
  '茶叶',
  '建材',
  '化工',
  '医疗器械',
  '仪表',
  '模具',
  '电子',
  '光电',
  '新材料',
  '科技',
  '贸易',
  '实业',
  '工艺品',
  '家具',
  '卫浴',
  '不锈钢',
  '线缆',
];
const FORMS = ['有限公司', '有限公司', '有限公司', '有限公司', '股份有限公司', '有限责任公司', '厂', '实业有限公司'];

/** The i-th generated name: a skewed pick of place, brand and trade, in one of four shapes. */
function nameOf(random: () => number, district: string): string {
  const skew = (n: number) => Math.floor(n * random() ** 2); // low indexes far commoner
  const places = PLACES[district];
  const place = places[skew(places.length)];
  const brand = BRAND_FIRST[skew(BRAND_FIRST.length)] + BRAND_SECOND[Math.floor(random() * BRAND_SECOND.length)];
  const trade = TRADES[skew(TRADES.length)];
  const form = FORMS[Math.floor(random() * FORMS.length)];
  switch (Math.floor(random() * 4)) {
    case 0:
      return `温州${brand}${trade}${form}`;
    case 1:
      return `${place}${brand}${trade}${form}`;
    case 2:
      return `浙江${brand}${trade}${form}`;
    default:
      return `温州市${place}${brand}${trade}${form}`;
  }
}

async function load() {
  const client = new Client({ connectionString: `${DATABASE_SERVER}/${DB}` });
  await client.connect();
  try {
    const random = rng(8);
    await copyEnterprises(client, N, (i) => {
      const districtCode = DISTRICTS[i % DISTRICTS.length];
      return {
        uscc: makeUscc(districtCode, 30_000_000 + i),
        name: nameOf(random, districtCode),
        districtCode,
        registeredOn: `${1995 + (i % 25)}-01-01`,
      };
    });
    await client.query('VACUUM ANALYZE enterprises'); // as autovacuum leaves a table that has been there a while
  } finally {
    await client.end();
  }
}

/**
 * `count` queries of `length` characters, cut at random places from random stored names, so
 * that common fragments (有限, 温州) come up as often as they occur and rare ones too.
 */
async function fragments(length: number, count: number, random: () => number): Promise<string[]> {
  const rows: { name: string }[] = await sql(DB, `SELECT name FROM enterprises WHERE id = ANY($1::bigint[])`, [
    Array.from({ length: count }, () => 1 + Math.floor(random() * N)),
  ]);
  return rows.map((r) => {
    const chars = Array.from(r.name);
    const at = Math.floor(random() * (chars.length - length + 1));
    return chars.slice(at, at + length).join('');
  });
}

/** Code prefixes of 2 to 17 characters, and some whole codes. */
async function codePrefixes(count: number, random: () => number): Promise<string[]> {
  const rows: { uscc: string }[] = await sql(DB, `SELECT uscc FROM enterprises WHERE id = ANY($1::bigint[])`, [
    Array.from({ length: count }, () => 1 + Math.floor(random() * N)),
  ]);
  return rows.map((r, i) => (i % 5 === 0 ? r.uscc : r.uscc.slice(0, 2 + Math.floor(random() * 16)).toLowerCase()));
}

/**
 * EXPLAIN of the statements the service runs for `q`, on one connection that has already run
 * them once: the server's pooled connections have their catalog caches filled, and a fresh
 * connection's first plan of a statement costs 3–10 ms more for loading them, which is not
 * what a search pays.
 */
async function explain(client: Client, label: string, q: string) {
  // The statements the service runs, as it builds them (compiled module of the build under test).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const service = require(resolve(DIST, 'src/disclosure/search/public-search.repository'));
  const {
    rows: [row],
  } = await client.query(service.GRAM_STATISTICS_STATEMENT as string);
  const {
    rows: [{ names }],
  } = await client.query(`SELECT reltuples::float8 AS names FROM pg_class WHERE relname = 'enterprises'`);
  const estimate = service.estimateOf(q, service.gramStatistics(row), names);
  console.log(
    `\n### ${label}: q=${JSON.stringify(q)} (rarest gram in ${(estimate.share * 100).toFixed(2)} % of names${estimate.lookup ? `, index looks up grams ${estimate.lookup}` : ''})\n`,
  );
  const count = async (text: string, params: unknown[]) => (await client.query(text, params)).rows[0].n as number;
  const statements: { label: string; text: string; params: unknown[] }[] = await service.searchStatements(
    q,
    20,
    estimate,
    count,
  );
  for (const s of statements) {
    await client.query(s.text, s.params); // as on a pooled connection that ran it before
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${s.text}`, s.params);
    console.log(`-- ${s.label}\n${s.text.replace(/\s+/g, ' ')}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
  }
}

async function main() {
  if (!process.argv.includes('--reuse')) {
    await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled module (built first)
    const { prepareDatabase } = require(resolve(DIST, 'src/database/prepare-database'));
    await prepareDatabase(`${DATABASE_SERVER}/${DB}`);
    const t = performance.now();
    await load();
    console.log(`loaded ${N} enterprises in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const [size] = await sql(
    DB,
    `SELECT pg_size_pretty(pg_relation_size('ix_enterprises_name_grams')) AS grams,
            pg_size_pretty(pg_relation_size('ix_enterprises_name_prefix')) AS prefix,
            pg_size_pretty(pg_relation_size('enterprises')) AS heap`,
  );
  const random = rng(42);
  const classes: [string, string[]][] = [
    ['1 character', await fragments(1, Q, random)],
    ['2 characters', await fragments(2, Q, random)],
    ['3 characters', await fragments(3, Q, random)],
    ['4 characters', await fragments(4, Q, random)],
    ['code prefix', await codePrefixes(Q, random)],
  ];

  const server = await BenchServer.start({
    database: DB,
    port: PORT,
    prefix: PREFIX,
    env: { PUBLIC_RATE_LIMIT: '1000000' },
  });
  const results: Record<string, unknown> = {};
  try {
    const search = async (q: string) => {
      const start = performance.now();
      const res = await fetch(server.url(`/api/v1/public/enterprises?q=${encodeURIComponent(q)}&pageSize=20`));
      if (!res.ok) throw new Error(`q=${q}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { total: number };
      return { ms: performance.now() - start, total: body.total };
    };
    for (const q of classes[1][1].slice(0, 20)) await search(q); // warm the connection pool and the JIT
    for (const [label, queries] of classes) {
      const times: number[] = [];
      const totals: number[] = [];
      for (const q of queries) {
        const { ms, total } = await search(q); // one at a time: latency, not throughput
        times.push(ms);
        totals.push(total);
      }
      times.sort((a, b) => a - b);
      totals.sort((a, b) => a - b);
      results[label] = {
        queries: times.length,
        p50: Number(percentile(times, 50).toFixed(1)),
        p95: Number(percentile(times, 95).toFixed(1)),
        max: Number(times[times.length - 1].toFixed(1)),
        matchesMedian: percentile(totals, 50),
        matchesMin: totals[0],
        capped: totals.filter((t) => t >= 1000).length,
      };
    }
  } finally {
    await server.stop();
  }

  // Plans for a common and a rare query of each class (the most and least frequent in the sample).
  const client = new Client({ connectionString: `${DATABASE_SERVER}/${DB}`, options: '-c jit=off' });
  await client.connect();
  try {
    for (const [label, queries] of classes) {
      const counts = new Map<string, number>();
      for (const q of queries) counts.set(q, (counts.get(q) ?? 0) + 1);
      const ordered = [...counts.entries()].sort((a, b) => b[1] - a[1]);
      await explain(client, `${label}, common`, ordered[0][0]);
      await explain(client, `${label}, rare`, ordered[ordered.length - 1][0]);
    }
  } finally {
    await client.end();
  }
  console.log(JSON.stringify({ machine: machine(), enterprises: N, indexSizes: size, results }, null, 2));
  if (!process.argv.includes('--keep')) await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
