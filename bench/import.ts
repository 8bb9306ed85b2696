/**
 * Import benchmark: generates N enterprises and M records as CSV (valid codes, realistic
 * spread), imports them through the API of a freshly built server (ROLE=all, its own process),
 * and prints records/s beside two floors measured in the same run on the same database:
 * - `psql \copy` of the same M rows into the same table (credit_records, with its indexes,
 *   foreign keys and checks; the rows carry a second department's code so they do not collide);
 * - `psql \copy` of the uploaded file itself into a plain table of its columns (no indexes).
 * Also the server's peak RSS (VmHWM of the process that parsed and loaded the file).
 *
 *   npm run bench:import -- --enterprises 100000 --records 1000000
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, openAsBlob, readFileSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { Rng } from '../src/common/rng';
import { makeUscc } from '../src/common/uscc';
import { arg, BenchServer, DATABASE_SERVER, DISTRICTS, machine, sql } from './lib';

const N = arg('enterprises', 100_000);
const M = arg('records', 1_000_000);
const PORT = arg('port', 3999);
const DB = 'qc_bench_import';
const OUT = resolve(__dirname, 'out');

const TRADES = ['阀门', '鞋业', '电气', '眼镜', '服装', '汽配', '食品', '印刷', '包装', '五金'];
const TYPES: [string, number][] = [
  ['spot_check_pass', 40],
  ['spot_check_fail', 15],
  ['administrative_penalty', 10],
  ['complaint_substantiated', 12],
  ['product_recall', 3],
  ['major_quality_incident', 1],
  ['license_revoked', 1],
  ['quality_award', 6],
  ['certification', 10],
  ['famous_brand', 2],
];
const HOTLINES = ['12315', '12365', '12369', '12312'];

async function write(path: string, header: string, rows: number, row: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  for (let i = 0; i < rows; i++) {
    if (!out.write(`${row(i)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function generate() {
  const rng = new Rng(20141127);
  const random = () => rng.next();
  const codes = Array.from({ length: N }, (_, i) => makeUscc(DISTRICTS[i % DISTRICTS.length], 10_000_000 + i));
  const enterprises = join(OUT, `enterprises-${N}.csv`);
  const records = join(OUT, `records-${M}.csv`);
  await write(enterprises, 'uscc,name,districtCode,industryCode,legalRepresentative,address,registeredOn', N, (i) => {
    const year = 1995 + Math.floor(random() * 25);
    return `${codes[i]},温州${TRADES[i % TRADES.length]}制造${i}有限公司,${DISTRICTS[i % DISTRICTS.length]},C3443,王${i % 100},温州市工业区${i}号,${year}-0${1 + (i % 9)}-1${i % 10}`;
  });
  const weights = TYPES.reduce((s, [, w]) => s + w, 0);
  await write(records, 'uscc,type,occurredOn,documentNo,summary,severity,hotline,disclosed', M, (i) => {
    let pick = random() * weights;
    const type = TYPES.find(([, w]) => (pick -= w) < 0)![0];
    const day = `202${Math.floor(random() * 5)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
    const hotline = type === 'complaint_substantiated' ? HOTLINES[i % 4] : '';
    return `${codes[Math.floor(random() * N)]},${type},${day},温质监〔2025〕${i}号,"${type} 记录 ${i}：产品质量监督",${['minor', 'general', 'serious', ''][i % 4]},${hotline},`;
  });
  return { enterprises, records };
}

async function importFile(server: BenchServer, file: string, kind: string, token: string) {
  const form = new FormData();
  form.append('kind', kind);
  form.append('file', await openAsBlob(file), `${kind}.csv`);
  const started = performance.now();
  const { id } = await server.json('/api/v1/imports', { method: 'POST', form }, token);
  for (;;) {
    const status = await server.json(`/api/v1/imports/${id}`, {}, token);
    if (!['queued', 'running'].includes(status.status))
      return { seconds: (performance.now() - started) / 1000, status };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Seconds psql takes to \\copy `file` (CSV with a header) into `target`. */
function psqlCopy(target: string, file: string): number {
  const started = performance.now();
  const run = spawnSync(
    'psql',
    [
      `${DATABASE_SERVER}/${DB}`,
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy ${target} FROM '${file}' WITH (FORMAT csv, HEADER true)`,
    ],
    { stdio: 'inherit' },
  );
  if (run.status !== 0) throw new Error(`psql \\copy into ${target} failed`);
  return (performance.now() - started) / 1000;
}

/** The records file as rows of credit_records (enterprise ids resolved), under department AMR. */
async function tableShaped(records: string, out: string): Promise<void> {
  const ids = new Map((await sql(DB, `SELECT uscc, id FROM enterprises`)).map((r) => [r.uscc as string, String(r.id)]));
  const handledBy: Record<string, string> = { '12315': 'AMR', '12365': 'QTS', '12369': 'EPB', '12312': 'AMR' };
  const lines = readFileSync(records, 'utf8').split('\n').slice(1).filter(Boolean);
  await write(
    out,
    'enterprise_id,type,occurred_on,document_no,summary,severity,hotline,handled_by,disclosed,department_code',
    lines.length,
    (i) => {
      const [uscc, type, day, doc, rest] = splitFirst(lines[i]);
      const [summary, severity, hotline] = rest;
      const disclosed = !['spot_check_pass', 'complaint_substantiated', 'certification'].includes(type);
      return `${ids.get(uscc)},${type},${day},${doc},${summary},${severity},${hotline},${hotline ? handledBy[hotline] : ''},${disclosed},AMR`;
    },
  );
}

/** Splits a generated records line: four plain fields, a quoted summary, then the rest. */
function splitFirst(line: string): [string, string, string, string, string[]] {
  const [uscc, type, day, doc] = line.split(',', 4);
  const start = uscc.length + type.length + day.length + doc.length + 4;
  const end = line.indexOf('"', start + 1) + 1;
  const [, severity, hotline] = line.slice(end).split(',');
  return [uscc, type, day, doc, [line.slice(start, end), severity, hotline]];
}

async function main() {
  await mkdir(OUT, { recursive: true });
  const t0 = performance.now();
  const files = await generate();
  console.log(
    `generated ${N} enterprises and ${M} records in ${((performance.now() - t0) / 1000).toFixed(1)} s (${(statSync(files.records).size / 1e6).toFixed(0)} MB)`,
  );

  await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  const uploads = join(OUT, 'uploads');
  await rm(uploads, { recursive: true, force: true });
  const server = await BenchServer.start({
    database: DB,
    port: PORT,
    prefix: 'qc_bench',
    env: { UPLOAD_DIR: uploads },
  });
  try {
    const token = await server.regulator(await server.login());

    const enterprises = await importFile(server, files.enterprises, 'enterprises', token);
    console.log(
      `enterprises: ${enterprises.status.importedRows} in ${enterprises.seconds.toFixed(1)} s (${enterprises.status.status})`,
    );
    const records = await importFile(server, files.records, 'records', token);
    const rss = server.peakRss();
    console.log(
      `records: ${records.status.importedRows} imported, ${records.status.rejectedRows} rejected, in ${records.seconds.toFixed(1)} s (${records.status.status})`,
    );

    // Floor 1: the same rows, shaped as the table, \copy'd into credit_records itself.
    const tableFile = join(OUT, `records-table-${M}.csv`);
    await tableShaped(files.records, tableFile);
    const tableFloor = psqlCopy(
      'credit_records (enterprise_id, type, occurred_on, document_no, summary, severity, hotline, handled_by, disclosed, department_code)',
      tableFile,
    );
    // Floor 2: the uploaded file into a plain table of its own columns.
    await sql(
      DB,
      `CREATE UNLOGGED TABLE copy_floor (uscc varchar(18), type text, occurred_on date, document_no text, summary text, severity text, hotline varchar(5), disclosed boolean)`,
    );
    const plainFloor = psqlCopy('copy_floor', files.records);

    const rate = records.status.importedRows / records.seconds;
    const floor = M / tableFloor;
    const result = {
      machine: machine(),
      enterprises: N,
      records: M,
      importSeconds: Number(records.seconds.toFixed(2)),
      importRowsPerSecond: Math.round(rate),
      tableCopyFloorSeconds: Number(tableFloor.toFixed(2)),
      tableCopyFloorRowsPerSecond: Math.round(floor),
      ratioToTableFloor: Number((rate / floor).toFixed(2)),
      plainCopyFloorSeconds: Number(plainFloor.toFixed(2)),
      plainCopyFloorRowsPerSecond: Math.round(M / plainFloor),
      ratioToPlainFloor: Number((rate / (M / plainFloor)).toFixed(2)),
      serverPeakRssMiB: Math.round(rss / 2 ** 20),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await server.stop();
    await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
