import { InjectQueue } from '@nestjs/bull';
import { HttpStatus, Injectable, StreamableFile } from '@nestjs/common';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { beijingDate, Clock } from '../../common/clock';
import { Problem } from '../../common/problem';
import { addDays, startOfBeijingDay } from '../../common/calendar-days';
import { Actor } from '../../access/actor';
import { AppConfig } from '../../config/app-config';
import { ReadReplicas } from '../../database/read-replicas';
import { DepartmentsRepository } from '../../identity/departments.repository';
import { EXPORT_JOB_PREFIX } from '../../jobs/jobs-lookup';
import { JobName, QueueName } from '../../jobs/queues';
import { OutboxRepository } from '../../outbox/outbox.repository';
import { DataSetWriter, WrittenFile } from './export-files';
import { ExportDayDto, ExportManifestDto, ExportRunDto } from './dto/export.dto';
import { ExportsRepository } from './exports.repository';

const BATCH = 10_000;
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Why a day cannot be exported, in both languages (the API answers in English; the console in the person's). */
export const EXPORT_DAY_PROBLEMS = {
  format: { en: 'must be a date, YYYY-MM-DD', zh: '日期格式应为 YYYY-MM-DD，且须是日历上存在的一天' },
  notOver: { en: 'is not over yet (Beijing time)', zh: '这一天（北京时间）尚未结束，只能导出已经过去的日期' },
} as const;

/**
 * The export's files could not be written (EXPORT_DIR missing, read-only, full). The job's failure
 * is shown to administrators (GET /api/v1/jobs/{jobId}): it says what failed without the server's
 * paths; the system's error is its cause, which the worker's log line holds.
 */
class ExportStorageError extends Error {
  readonly code: string | undefined;

  constructor(cause: NodeJS.ErrnoException) {
    super(
      "The export files could not be written on the server (EXPORT_DIR); nothing was published. The worker's log has the cause",
      { cause },
    );
    this.name = 'ExportStorageError';
    this.code = cause.code;
  }
}

/** The data sets of a day's export: its changes, and the grades and listings in force at its end. */
const DATA_SETS = {
  changes: ['seq', 'id', 'type', 'uscc', 'occurredAt', 'data'],
  grades: ['uscc', 'name', 'districtCode', 'grade', 'score', 'ruleSetVersion', 'validFrom'],
  blacklist: ['id', 'uscc', 'name', 'reasonCode', 'publishedAt', 'expiresAt', 'listedUntil'],
} as const;
type DataSetName = keyof typeof DATA_SETS;

/**
 * Daily exports for the consuming departments (finance and tax): for each Beijing day, the day's
 * change events and a snapshot of grades and listings in force at its end, each as CSV and as
 * NDJSON, gzipped, with a manifest of SHA-256 sums. Files live under EXPORT_DIR/<department>/<date>/
 * (a directory api and worker share); a day is written whole and then renamed into place, so a
 * reader sees all of it or none, and writing a day again replaces it.
 */
@Injectable()
export class ExportsService {
  constructor(
    private readonly replicas: ReadReplicas,
    private readonly exports: ExportsRepository,
    private readonly outbox: OutboxRepository,
    private readonly departments: DepartmentsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectQueue(QueueName.Exports) private readonly queue: Queue,
    private readonly audit: AuditService,
  ) {}

  /**
   * Queues `date`'s export again (an administrator's repair after a failed night), for each
   * consuming department whose day is missing or incomplete; with `force`, for every one (a
   * complete day's files get new SHA-256 sums, which partners who downloaded them will notice).
   * Each request is a job of its own (ids `export:<date>:<uuid>`, which GET /api/v1/jobs finds).
   * The request is audited before the job is queued: an audit that fails queues nothing.
   */
  async rerun(date: string, actor: Actor, force = false): Promise<ExportRunDto> {
    const day = this.exportableDay(date);
    if ('problem' in day) throw Problem.validation([{ field: 'date', message: day.problem }]);
    const result = { jobId: `${EXPORT_JOB_PREFIX}${date}:${randomUUID()}` };
    await this.audit.change(actor, async () => ({
      result,
      entry: { action: 'export.rerun', entityType: 'export', entityId: date, after: { ...result, force } },
    }));
    await this.queue.add(JobName.WriteExports, { date, startedBy: actor.id, force }, { jobId: result.jobId });
    return result;
  }

  /**
   * Writes `date`'s export for every consuming department. The day must be over and its events
   * settled (no transaction that may still add one is running): it waits up to a minute for
   * them, then throws and the job retries. With `ifMissing`, departments that already have the whole
   * day (its manifest and every file it lists, at its size) are left alone.
   * The day defaults to yesterday (Beijing).
   */
  async writeDay(
    date = addDays(this.clock.today(), -1),
    ifMissing = false,
  ): Promise<{ date: string; departments: string[] }> {
    const day = this.exportableDay(date);
    if ('problem' in day) throw new Error(`${date} ${day.problem}`);
    const { from, to } = day;
    let departments = await this.departments.consumingCodes();
    if (ifMissing) {
      const missing: string[] = [];
      for (const code of departments) if (!(await this.complete(code, date))) missing.push(code);
      departments = missing;
    }
    if (!departments.length) return { date, departments };

    try {
      await this.write(date, from, to, departments);
    } catch (error) {
      throw (error as NodeJS.ErrnoException).syscall ? new ExportStorageError(error as NodeJS.ErrnoException) : error;
    }
    return { date, departments };
  }

  /** Writes the day's files once, in a staging directory, and publishes them for each department. */
  private async write(date: string, from: Date, to: Date, departments: string[]): Promise<void> {
    const staging = join(this.config.EXPORT_DIR, `.staging-${randomUUID()}`);
    await mkdir(staging, { recursive: true });
    try {
      // Events take the start time of their transaction; once no transaction that began before the
      // day's end is running, every event of the day has committed (or never will), and the
      // snapshot taken after this check sees them all.
      await this.settled(to, date);
      // From a replica once it has replayed all the primary had when the day settled (else
      // from the primary): the snapshot must hold every event the check above waited for. A
      // replica failing it midway has it run again on the primary: each run writes into a
      // directory of its own, so the files published are the last run's whole.
      const { dir, files } = await this.replicas.readCaughtUp(async (db) => {
        const dir = await mkdtemp(join(staging, 'run-'));
        const files = await db.transaction('REPEATABLE READ', async (manager) => {
          const written: WrittenFile[] = [];
          for (const name of Object.keys(DATA_SETS) as DataSetName[]) {
            written.push(...(await this.writeDataSet(manager, dir, name, from, to)));
          }
          return written;
        });
        return { dir, files };
      });
      const generatedAt = this.clock.now();
      const auditCheckpoint = await this.audit.latestCheckpoint();
      for (const department of departments) {
        const manifest: ExportManifestDto = {
          department,
          date,
          timezone: 'Asia/Shanghai',
          from,
          to,
          generatedAt,
          files: files.map(({ name, rows, bytes, sha256 }) => ({ name, rows, bytes, sha256 })),
          auditCheckpoint,
        };
        await this.publish(department, date, dir, files, manifest);
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** The instants a Beijing day spans, or why `date` is not a day that can be exported. */
  private exportableDay(date: string): { from: Date; to: Date } | { problem: string } {
    const from = DATE.test(date) ? startOfBeijingDay(date) : null;
    // A day the month lacks (2026-02-30) would roll over into the next month: refused instead.
    if (!from || beijingDate(from) !== date) return { problem: EXPORT_DAY_PROBLEMS.format.en };
    // Beijing keeps no daylight saving time; addDays would fail on 9999-12-31 (a 500, not this 400).
    const to = new Date(from.getTime() + DAY_MS);
    if (to > this.clock.now()) return { problem: EXPORT_DAY_PROBLEMS.notOver.en };
    return { from, to };
  }

  /** Waits (up to a minute) until no transaction of this database that began before `to` is running. */
  private async settled(to: Date, date: string): Promise<void> {
    for (const started = Date.now(); ;) {
      if (!(await this.exports.runningSince(to))) return;
      if (Date.now() - started > 60_000) throw new Error(`events of ${date} are still being written; try again`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** The days exported for a department, newest first. */
  async list(department: string): Promise<ExportDayDto[]> {
    let names: string[];
    try {
      names = await readdir(join(this.config.EXPORT_DIR, department));
    } catch {
      return [];
    }
    const days: ExportDayDto[] = [];
    for (const date of names
      .filter((n) => DATE.test(n))
      .sort()
      .reverse()) {
      const manifest = await this.manifestOf(department, date);
      if (manifest) days.push({ date, generatedAt: manifest.generatedAt, files: manifest.files.map((f) => f.name) });
    }
    return days;
  }

  async manifest(department: string, date: string): Promise<ExportManifestDto> {
    const manifest = DATE.test(date) ? await this.manifestOf(department, date) : undefined;
    if (!manifest) throw Problem.notFound('Export of', date);
    return manifest;
  }

  /** One file of a day, streamed; only names the manifest lists are served. */
  async file(department: string, date: string, name: string): Promise<StreamableFile> {
    const manifest = await this.manifest(department, date);
    const entry = manifest.files.find((f) => f.name === name);
    if (!entry)
      throw new Problem(HttpStatus.NOT_FOUND, 'not-found', 'Not found', {
        en: `${date} has no file ${name}`,
        zh: `${date} 没有文件 ${name}`,
      });
    return new StreamableFile(createReadStream(join(this.config.EXPORT_DIR, department, date, name)), {
      type: 'application/gzip',
      length: entry.bytes,
      disposition: `attachment; filename="${department}-${date}-${name}"`,
    });
  }

  /** Whether a department has `date` whole: its manifest, and each file it lists at its size. */
  private async complete(department: string, date: string): Promise<boolean> {
    const manifest = await this.manifestOf(department, date);
    if (!manifest) return false;
    for (const { name, bytes } of manifest.files) {
      const size = await stat(join(this.config.EXPORT_DIR, department, date, name)).then(
        (s) => s.size,
        () => -1,
      );
      if (size !== bytes) return false;
    }
    return true;
  }

  private async manifestOf(department: string, date: string): Promise<ExportManifestDto | undefined> {
    try {
      return JSON.parse(await readFile(join(this.config.EXPORT_DIR, department, date, 'manifest.json'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  private async writeDataSet(
    manager: EntityManager,
    dir: string,
    name: DataSetName,
    from: Date,
    to: Date,
  ): Promise<WrittenFile[]> {
    const writer = new DataSetWriter(dir, name, [...DATA_SETS[name]]);
    try {
      for (let last = '0'; ;) {
        const rows = await this.batch(manager, name, from, to, last);
        if (!rows.length) break;
        last = String(rows[rows.length - 1][name === 'changes' ? 'seq' : 'key']);
        await writer.write(
          rows.map((row) => {
            const out: Record<string, unknown> = {};
            for (const column of DATA_SETS[name]) out[column] = column === 'seq' ? Number(row.seq) : row[column];
            return out;
          }),
        );
        if (rows.length < BATCH) break;
      }
    } catch (error) {
      // A read failed (the replica gone, say): the files are closed before the run is retried
      // or given up, not left open for ever with what they had half written.
      await writer.abort();
      throw error;
    }
    return writer.end();
  }

  /**
   * A data set's next BATCH rows after key `last`, in key order: the day's changes, or the grades
   * and listings in force at its end (grades valid then; listings published by then and neither
   * removed nor expired).
   */
  private batch(
    manager: EntityManager,
    name: DataSetName,
    from: Date,
    to: Date,
    last: string,
  ): Promise<Record<string, unknown>[]> {
    switch (name) {
      case 'changes':
        return this.outbox.occurredBetween(manager, from, to, last, BATCH);
      case 'grades':
        return this.exports.gradesAt(manager, to, last, BATCH);
      case 'blacklist':
        return this.exports.listingsAt(manager, to, last, BATCH);
    }
  }

  /** Puts a day in place for a department: files (hard links to the staged ones) and manifest, then one rename. */
  private async publish(
    department: string,
    date: string,
    staging: string,
    files: WrittenFile[],
    manifest: ExportManifestDto,
  ): Promise<void> {
    const base = join(this.config.EXPORT_DIR, department);
    const next = join(base, `.${date}-${randomUUID()}`);
    await mkdir(next, { recursive: true });
    for (const { name } of files) {
      await link(join(staging, name), join(next, name)).catch(() => copyFile(join(staging, name), join(next, name)));
    }
    await writeFile(join(next, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const target = join(base, date);
    // Move an earlier copy aside, then this one in; a writer racing for the same day may get in
    // between, so try again (the last one to arrive stays, and both wrote the same data).
    for (let attempt = 1; ; attempt++) {
      const old = join(base, `.${date}-old-${randomUUID()}`);
      const replaced = await rename(target, old).then(
        () => true,
        () => false,
      );
      try {
        await rename(next, target);
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
      } finally {
        if (replaced) await rm(old, { recursive: true, force: true });
      }
    }
  }
}
