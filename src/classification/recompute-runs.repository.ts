import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RECOMPUTE_JOB_PREFIX } from '../jobs/jobs-lookup';
import type { RecomputeResult } from './classification.service';

/** A key range of enterprises, one chunk of a full recompute. */
export interface KeyRange {
  fromId: string;
  toId: string;
}

export interface RecomputeRun<T> {
  id: string;
  jobId: string;
  data: T;
  result: RecomputeResult | null;
}

/** Runs older than this are not queued again: the nightly run has superseded them, and Bull keeps a finished job a day. */
const KEPT_IN_QUEUE_HOURS = 24;

/**
 * The full recomputes and the chunks each has finished, in PostgreSQL, where losing Redis does
 * not lose them: a run whose Bull job is lost is queued again under the same job id and resumes
 * with the chunks still to do.
 */
@Injectable()
export class RecomputeRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A new run, its job id made from its own id (`created`); or the job id of the run not finished
   * that started under the rule set now active, which does what a new one would. Runs started
   * before the activation of the active rule set do not count: they graded some enterprises by
   * the retired one; nor does the nightly run, whose Bull job id (`repeat:…`) the job-status read
   * does not find. The lock makes concurrent callers agree on one run.
   */
  async createUnlessRunning<T>(data: T): Promise<{ jobId: string; created: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('recompute_runs'))`);
      const [running]: { job_id: string }[] = await manager.query(
        `SELECT job_id FROM recompute_runs
          WHERE finished_at IS NULL AND created_at > now() - make_interval(hours => $1) AND starts_with(job_id, $2)
            AND created_at > (SELECT coalesce(max(activated_at), '-infinity') FROM rule_sets WHERE status = 'active')
          ORDER BY created_at DESC LIMIT 1`,
        [KEPT_IN_QUEUE_HOURS, RECOMPUTE_JOB_PREFIX],
      );
      if (running) return { jobId: running.job_id, created: false };
      const [row]: { job_id: string }[] = await manager.query(
        `WITH next AS (SELECT nextval(pg_get_serial_sequence('recompute_runs', 'id')) AS id)
         INSERT INTO recompute_runs (id, job_id, data) SELECT id, $2 || id, $1 FROM next RETURNING job_id`,
        [JSON.stringify(data), RECOMPUTE_JOB_PREFIX],
      );
      return { jobId: row.job_id, created: true };
    });
  }

  async remove(jobId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM recompute_runs WHERE job_id = $1`, [jobId]);
  }

  /** The run of a Bull job, recorded now if it was not (a scheduled run is known from its first start). */
  async open<T>(jobId: string, data: T): Promise<RecomputeRun<T>> {
    const [row] = await this.dataSource.query(
      `INSERT INTO recompute_runs (job_id, data) VALUES ($1, $2)
       ON CONFLICT (job_id) DO UPDATE SET job_id = EXCLUDED.job_id
       RETURNING id::text, job_id AS "jobId", data, result`,
      [jobId, JSON.stringify(data)],
    );
    return row;
  }

  /** The finished chunks of a run, by `fromId-toId`. */
  async finishedChunks(runId: string): Promise<Map<string, RecomputeResult>> {
    const rows: { key: string; result: RecomputeResult }[] = await this.dataSource.query(
      `SELECT from_id || '-' || to_id AS key, result FROM recompute_run_chunks WHERE run_id = $1`,
      [runId],
    );
    return new Map(rows.map((r) => [r.key, r.result]));
  }

  async chunkFinished(runId: string, range: KeyRange, result: RecomputeResult): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO recompute_run_chunks (run_id, from_id, to_id, result) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [runId, range.fromId, range.toId, JSON.stringify(result)],
    );
  }

  async finish(runId: string, result: RecomputeResult): Promise<void> {
    await this.dataSource.query(
      `UPDATE recompute_runs SET finished_at = now(), result = $2 WHERE id = $1 AND finished_at IS NULL`,
      [runId, JSON.stringify(result)],
    );
  }

  async fail(jobId: string, failure: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE recompute_runs SET finished_at = now(), failure = $2 WHERE job_id = $1 AND finished_at IS NULL`,
      [jobId, failure],
    );
  }

  /** The runs of the last day that did not fail, oldest first (an indexed read of a few rows). */
  recent<T>(): Promise<{ jobId: string; data: T }[]> {
    return this.dataSource.query(
      `SELECT job_id AS "jobId", data FROM recompute_runs
        WHERE created_at > now() - make_interval(hours => $1) AND failure IS NULL ORDER BY created_at`,
      [KEPT_IN_QUEUE_HOURS],
    );
  }
}
