import { Problem } from '../../../src/common/problem';
import { CorrectRecordDto, ListRecordsQuery } from '../../../src/records/dto/record.dto';
import { recorder } from '../../../src/records/recorder';
import { RecordsModule } from '../../../src/records/records.module';
import { RecordsService } from '../../../src/records/records.service';
import { TestClock } from '../../helpers/clock';
import { enterprise, record, regulator, TestUser, user } from '../../helpers/factories';
import { CODES } from '../../helpers/fixtures';
import { ServiceContext } from '../../helpers/service-context';

describe('RecordsService', () => {
  let s: ServiceContext;
  let records: RecordsService;
  let qts: TestUser;
  let amr: TestUser;
  const clock = new TestClock(new Date('2026-03-16T02:00:00Z')); // Monday 10:00 in Beijing

  beforeAll(async () => {
    s = await ServiceContext.start(__filename, [RecordsModule], { clock });
    records = s.get(RecordsService);
    await enterprise(s.module, CODES.wenzhouLike, { registeredOn: '2008-05-16' });
    await enterprise(s.module, CODES.beijing, { districtCode: '330303', registeredOn: '2015-01-01' });
    qts = await regulator(s.module, 'qts.svc');
    amr = await regulator(s.module, 'amr.svc', { departmentCode: 'AMR' });
  });
  afterAll(() => s.close());

  const list = (uscc: string, jurisdiction: string | null = null) =>
    records.list(uscc, new ListRecordsQuery(), jurisdiction);
  const correction = (fields: Partial<CorrectRecordDto>) => fields as CorrectRecordDto;
  const problem = (work: Promise<unknown>) =>
    work.then(
      () => {
        throw new Error('expected a refusal');
      },
      (error: unknown) => {
        if (!(error instanceof Problem)) throw error;
        return { status: error.status, code: error.code };
      },
    );

  describe('create', () => {
    it("stores the record under the recorder's department, disclosed by its type, and asks for a regrading", async () => {
      const created = await record(s.module, qts, CODES.wenzhouLike, { documentNo: 'SVC-1', occurredOn: '2026-03-01' });
      expect(created).toMatchObject({
        id: expect.stringMatching(/^\d+$/),
        uscc: CODES.wenzhouLike,
        type: 'spot_check_fail',
        departmentCode: 'QTS',
        disclosed: true,
        state: 'current',
        supersedes: null,
      });
      const [stored] = await s.sql<{ created_by: string; regrade: boolean }>(
        `SELECT r.created_by::text,
                EXISTS (SELECT 1 FROM regrade_requests q WHERE q.enterprise_id = r.enterprise_id) AS regrade
           FROM credit_records r WHERE r.id = $1`,
        [created.id],
      );
      expect(stored).toEqual({ created_by: qts.userId, regrade: true });
      const audit = await s.sql(
        `SELECT actor_id::text, action, entity_id FROM audit_events WHERE entity_type = 'record'`,
      );
      expect(audit).toEqual([{ actor_id: qts.userId, action: 'record.create', entity_id: created.id }]);
    });

    it('refuses a date after today in Beijing, and a document number its department already used', async () => {
      // 10:00 on 16 March in Beijing: the 17th is tomorrow.
      expect(await problem(record(s.module, qts, CODES.wenzhouLike, { occurredOn: '2026-03-17' }))).toEqual({
        status: 400,
        code: 'validation-failed',
      });
      expect(await problem(record(s.module, qts, CODES.wenzhouLike, { documentNo: 'SVC-1' }))).toEqual({
        status: 409,
        code: 'duplicate-document',
      });
      const other = await record(s.module, amr, CODES.wenzhouLike, { documentNo: 'SVC-1' });
      expect(other.departmentCode).toBe('AMR');
    });

    it('keeps a district regulator to their district', async () => {
      const lucheng = await regulator(s.module, 'qts.svc.lc', { districtCode: '330302' });
      expect(await problem(record(s.module, lucheng, CODES.beijing))).toMatchObject({ status: 403 });
      expect(await record(s.module, lucheng, CODES.wenzhouLike)).toMatchObject({ departmentCode: 'QTS' });
    });

    it('is made only by a user of a department', async () => {
      const valveCo = await user(s.module, { username: 'valve.svc', role: 'enterprise', uscc: CODES.wenzhouLike });
      expect(() => recorder(valveCo)).toThrow(Problem);
    });
  });

  describe('correct', () => {
    it('amends with a new row that supersedes the old one, and tells partners when the old one was disclosed', async () => {
      const original = await record(s.module, qts, CODES.beijing, {
        documentNo: 'SVC-AMEND',
        occurredOn: '2025-11-03',
      });
      const amended = await records.correct(
        original.id,
        correction({ action: 'amend', reason: '文书号录入有误', documentNo: 'SVC-AMENDED' }),
        recorder(qts),
      );
      expect(amended).toMatchObject({
        supersedes: original.id,
        correction: 'amend',
        correctionReason: '文书号录入有误',
        documentNo: 'SVC-AMENDED',
        occurredOn: '2025-11-03',
        state: 'current',
      });
      const events = await s.sql(`SELECT type, data FROM change_events WHERE uscc = $1`, [CODES.beijing]);
      expect(events).toEqual([
        {
          type: 'record.retracted',
          data: {
            recordId: original.id,
            correctedBy: amended.id,
            action: 'amend',
            type: 'spot_check_fail',
            documentNo: 'SVC-AMEND',
            departmentCode: 'QTS',
          },
        },
      ]);
      const { items } = await list(CODES.beijing);
      expect(items.find((r) => r.id === original.id)).toMatchObject({ state: 'superseded', supersededBy: amended.id });
    });

    it('withdraws, after which nothing is left to correct; another department may not correct it', async () => {
      const original = await record(s.module, qts, CODES.beijing, { documentNo: 'SVC-WITHDRAW' });
      expect(
        await problem(records.correct(original.id, correction({ action: 'withdraw', reason: '误录' }), recorder(amr))),
      ).toMatchObject({ status: 403 });
      const withdrawal = await records.correct(
        original.id,
        correction({ action: 'withdraw', reason: '误录' }),
        recorder(qts),
      );
      expect(withdrawal).toMatchObject({ state: 'withdrawn', correction: 'withdraw', supersedes: original.id });
      expect(
        await problem(
          records.correct(withdrawal.id, correction({ action: 'withdraw', reason: '再撤' }), recorder(qts)),
        ),
      ).toEqual({ status: 409, code: 'record-withdrawn' });
      expect(
        await problem(records.correct(original.id, correction({ action: 'withdraw', reason: '再撤' }), recorder(qts))),
      ).toEqual({ status: 409, code: 'record-superseded' });
    });
  });

  describe('list', () => {
    it("lists an enterprise's records newest first, within the caller's jurisdiction", async () => {
      const page = await list(CODES.wenzhouLike);
      expect(page.total).toBe(page.items.length);
      const dates = page.items.map((r) => r.occurredOn);
      expect(dates).toEqual([...dates].sort().reverse());
      expect(page.items.every((r) => r.uscc === CODES.wenzhouLike)).toBe(true);
      expect((await list(CODES.wenzhouLike, '330302')).total).toBe(page.total);
      expect(await problem(list(CODES.wenzhouLike, '330303'))).toMatchObject({ status: 403 });
      expect(await problem(list('91330000MA2CFL5Y9Q'))).toMatchObject({ status: 404 });
    });
  });
});
