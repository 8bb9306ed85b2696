import { BlacklistModule } from '../../../src/blacklist/blacklist.module';
import { ClassificationModule } from '../../../src/classification/classification.module';
import { ClassificationService } from '../../../src/classification/classification.service';
import { RecordsModule } from '../../../src/records/records.module';
import { EnterprisesService } from '../../../src/registry/enterprises.service';
import { TestClock } from '../../helpers/clock';
import { blacklistEntry, enterprise, record, regulator, TestUser, user } from '../../helpers/factories';
import { CODES } from '../../helpers/fixtures';
import { ServiceContext } from '../../helpers/service-context';

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

  it("keeps a district official to their district's enterprises", async () => {
    await expect(explain(CODES.wenzhouLike, undefined, '330303')).rejects.toMatchObject({ status: 403 });
  });
});
