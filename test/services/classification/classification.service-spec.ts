import { Client } from 'pg';
import { BlacklistModule } from '../../../src/blacklist/blacklist.module';
import { ClassificationModule } from '../../../src/classification/classification.module';
import { ClassificationService } from '../../../src/classification/classification.service';
import { RecordsModule } from '../../../src/records/records.module';
import { EnterprisesService } from '../../../src/registry/enterprises.service';
import { TestClock } from '../../helpers/clock';
import { blacklistEntry, enterprise, record, regulator, TestUser, user } from '../../helpers/factories';
import { CODES } from '../../helpers/fixtures';
import { ServiceContext } from '../../helpers/service-context';
import { until } from '../../helpers/until';

describe('ClassificationService', () => {
  const clock = new TestClock(new Date('2026-06-01T02:00:00Z'));
  let s: ServiceContext;
  let classification: ClassificationService;
  let qts: TestUser;
  let enterpriseId: string;

  beforeAll(async () => {
    s = await ServiceContext.start(__filename, [RecordsModule, BlacklistModule, ClassificationModule], { clock });
    classification = s.get(ClassificationService);
    await enterprise(s.module, CODES.wenzhouLike, { registeredOn: '2008-05-16' });
    enterpriseId = (await s.get(EnterprisesService).resolve(CODES.wenzhouLike, null)).id;
    await enterprise(s.module, CODES.beijing, { districtCode: '330303', registeredOn: '2010-01-01' });
    qts = await regulator(s.module, 'qts.svc.cls');
  });
  afterAll(() => s.close());

  const regrade = (id: string) => classification.recompute({ enterpriseIds: [id] });
  const explain = (uscc = CODES.wenzhouLike, asOf?: string, jurisdiction: string | null = null) =>
    classification.explain(uscc, asOf, jurisdiction);

  it('has no grade before one is computed', async () => {
    await expect(explain()).rejects.toMatchObject({ status: 404 });
  });

  it('explains a grade by its factors, each naming the records it counts', async () => {
    const failed = await record(s.module, qts, CODES.wenzhouLike, {
      type: 'spot_check_fail',
      severity: 'serious',
      occurredOn: '2026-05-20',
    });
    expect(await regrade(enterpriseId)).toEqual({ enterprises: 1, examined: 1, changed: 1, gradeChanges: 1 });
    expect(await explain()).toEqual({
      grade: 'C',
      score: 65,
      ruleSetVersion: 1,
      computedAt: expect.any(Date),
      factors: [
        {
          code: 'record.spot_check_fail',
          description: '1 spot_check_fail record(s) within 36 months',
          points: -15,
          recordIds: [failed.id],
        },
      ],
    });
    const events = await s.sql(`SELECT data FROM change_events WHERE type = 'classification.changed'`);
    expect(events).toEqual([{ data: { from: null, to: 'C', score: 65, ruleSetVersion: 1 } }]);
  });

  it('changes nothing when the same facts are graded again', async () => {
    const before = await s.sql(`SELECT count(*) FROM audit_events`);
    expect(await regrade(enterpriseId)).toEqual({ enterprises: 1, examined: 0, changed: 0, gradeChanges: 0 });
    expect(await s.sql(`SELECT count(*) FROM audit_events`)).toEqual(before);
  });

  it('grades a published listing D, and answers the grade on a past day from the history', async () => {
    const reviewer = await user(s.module, { username: 'amr.svc.cls', role: 'reviewer', departmentCode: 'AMR' });
    const proposer = await regulator(s.module, 'amr.svc.cls.p', { departmentCode: 'AMR' });
    const graded = (await explain()).computedAt;
    await blacklistEntry(s.module, { proposer, reviewer, clock }, CODES.wenzhouLike, 'published');
    await regrade(enterpriseId);
    const listed = await explain();
    expect(listed.grade).toBe('D');
    expect(listed.factors.map((f) => f.code)).toContain('hard.blacklisted');
    const history = await classification.history(CODES.wenzhouLike, null);
    expect(history.map((h) => h.grade)).toEqual(['C', 'D']);
    expect((await explain(CODES.wenzhouLike, new Date(graded).toISOString())).grade).toBe('C');
  });

  it('grades an enterprise that another transaction graded first meanwhile, from what that one committed', async () => {
    await enterprise(s.module, CODES.shenzhen, { districtCode: '330304', registeredOn: '2012-01-01' });
    const id = (await s.get(EnterprisesService).resolve(CODES.shenzhen, null)).id;
    await record(s.module, qts, CODES.shenzhen, {
      type: 'spot_check_fail',
      severity: 'minor',
      occurredOn: '2026-05-02',
    });
    // Another writer's first grade of it, held uncommitted: the recompute reads no grade, and its
    // COPY of a first one waits on that row, then meets it (23505) once it commits.
    const other = new Client({ connectionString: s.config.DATABASE_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, computed_at, digest)
         VALUES ($1, 'A', 99, 1, '[]', now(), 'another')`,
        [id],
      );
      await other.query(
        `INSERT INTO classification_history (enterprise_id, grade, score, rule_set_version, factors, valid_from)
         VALUES ($1, 'A', 99, 1, '[]', $2)`,
        [id, new Date(clock.now().getTime() - 60_000)],
      );
      const regraded = regrade(id);
      await until('the recompute to wait on the other grade', async () => {
        const [{ n }] = await s.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return n > 0;
      });
      await other.query('COMMIT');
      // It started again, found the other's grade and replaced it: A to B, an event saying so.
      expect(await regraded).toEqual({ enterprises: 1, examined: 1, changed: 1, gradeChanges: 1 });
    } finally {
      await other.end();
    }
    expect((await explain(CODES.shenzhen)).grade).toBe('B');
    const history = await classification.history(CODES.shenzhen, null);
    expect(history.map((h) => [h.grade, h.validTo === null])).toEqual([
      ['A', false],
      ['B', true],
    ]);
    const events = await s.sql(`SELECT data FROM change_events WHERE uscc = $1`, [CODES.shenzhen]);
    expect(events).toEqual([{ data: { from: 'A', to: 'B', score: 76, ruleSetVersion: 1 } }]);
  });

  it("keeps a district official to their district's enterprises", async () => {
    await expect(explain(CODES.wenzhouLike, undefined, '330303')).rejects.toMatchObject({ status: 403 });
  });
});
