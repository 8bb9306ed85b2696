/**
 * How big the drills are: `DRILLS_SCALE=ci` is the reduced set `.ci/run` runs (short outages, 500
 * fuzz cases); anything else is the full set of `npm run drills`. Each figure can also be set by
 * its own variable, e.g. `DRILL_WEBHOOK_DOWN_S=60`.
 */
export const CI = process.env.DRILLS_SCALE === 'ci';

function knob(name: string, full: number, ci: number): number {
  const set = process.env[name];
  if (set !== undefined && set !== '') {
    const value = Number(set);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${set}`);
    return value;
  }
  return CI ? ci : full;
}

export const scale = {
  /** Seconds PostgreSQL stays down under writes. */
  pgOutageSeconds: knob('DRILL_PG_OUTAGE_S', 10, 5),
  /** Concurrent writers in the load loops. */
  writers: knob('DRILL_WRITERS', 8, 4),
  /** Cases the bad-input fuzzer sends. */
  fuzzCases: knob('DRILL_FUZZ_CASES', 10_000, 500),
  /** /health/live's p95 (ms) allowed while the fuzzer runs; its slowest may take four times it. */
  healthMs: knob('DRILL_HEALTH_MS', 50, 50),
  /** Seconds the webhook receiver stays down. */
  webhookDownSeconds: knob('DRILL_WEBHOOK_DOWN_S', 60, 5),
  /** Enterprises graded by the recompute drills. */
  recomputeEnterprises: knob('DRILL_RECOMPUTE_ENTERPRISES', 150_000, 60_000),
  /** Rows of the import the Redis drill kills Redis under. */
  importRows: knob('DRILL_IMPORT_ROWS', 500_000, 200_000),
  /** The topology's drills (deploy/local/drills.ts): seconds of lookup load under which an api is killed. */
  topologyLoadSeconds: knob('DRILL_TOPOLOGY_LOAD_S', 60, 20),
  /** Seconds the topology's replica stays stopped. */
  topologyReplicaDownSeconds: knob('DRILL_TOPOLOGY_REPLICA_DOWN_S', 15, 5),
  /** Enterprises the topology's recomputes grade (twice as many by the worker drill). */
  topologyEnterprises: knob('DRILL_TOPOLOGY_ENTERPRISES', 100_000, 20_000),
  /** Seconds of the topology's throughput figure. */
  topologyThroughputSeconds: knob('DRILL_TOPOLOGY_THROUGHPUT_S', 15, 5),
};
