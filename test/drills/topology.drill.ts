import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drill, DrillResult } from '../../deploy/local/drills';
import { down, up } from '../../deploy/local/topology';
import type { Topology } from '../../deploy/local/state';

/**
 * The reduced topology CI runs (deploy/local/topology.ts `up --reduced`): a PostgreSQL primary
 * and a streaming replica, a Redis Cluster of three masters and three replicas, two apis behind
 * HAProxy and two workers; no Patroni. Its drills (deploy/local/drills.ts, short loads with
 * DRILLS_SCALE=ci) kill an api, a worker and a Redis master and stop the replica, and check that
 * the replicas agree; `down` removes it all. About 4 minutes on the 2-core CI machine.
 *
 * DRILL_TOPOLOGY_PORT_BASE moves its ports (31200 and the 120 above by default).
 */
describe('drill: the scale-out topology (reduced set)', () => {
  const root = mkdtempSync(join(tmpdir(), 'qc-drill-topology-'));
  let topology: Topology;
  let results: DrillResult[] = [];

  beforeAll(async () => {
    topology = await up({
      root,
      reduced: true,
      portBase: process.env.DRILL_TOPOLOGY_PORT_BASE ? Number(process.env.DRILL_TOPOLOGY_PORT_BASE) : undefined,
      // a killed worker's chunks move on after this: short, so that the drill takes seconds, not a minute
      jobLockMs: 5_000,
    });
    results = await drill(topology, { writeDocs: false });
  });

  afterAll(() => down(root));

  const result = (name: string): DrillResult => {
    const found = results.find((r) => r.name === name);
    if (!found) throw new Error(`no drill "${name}" among: ${results.map((r) => r.name).join(', ')}`);
    return found;
  };

  // Each drill's own checks (deploy/local/drills.ts says why each bound is what it is): every
  // acknowledged write present afterwards, failed requests under the bound, the recoveries made.
  it.each([
    'api replica SIGKILLed under lookups',
    'a worker SIGKILLed mid full recompute',
    'the replica stopped',
    'a Redis Cluster master SIGKILLed',
    'a full recompute on two workers',
    'schedules registered by both workers',
    'webhooks with two dispatchers',
    'a key revoked through api1, used on api2',
    'a rate limit across both apis',
    'lookup throughput through HAProxy (two apis)',
  ])('%s', (name) => {
    const { checks, figures } = result(name);
    expect({ name, figures, failed: Object.keys(checks).filter((k) => !checks[k]) }).toEqual({
      name,
      figures,
      failed: [],
    });
    expect(Object.keys(checks).length).toBeGreaterThan(0);
  });

  it('loses no acknowledged write in any drill', () => {
    const lost = results
      .filter((r) => 'acknowledged writes lost' in r.figures)
      .map((r) => [r.name, r.figures['acknowledged writes lost']]);
    expect(lost.length).toBeGreaterThanOrEqual(4);
    expect(lost.filter(([, n]) => n !== 0)).toEqual([]);
  });
});
