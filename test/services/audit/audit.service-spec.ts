import { Actor } from '../../../src/access/actor';
import { AuditQuery } from '../../../src/audit/dto/audit.dto';
import { AuditService } from '../../../src/audit/audit.service';
import { digest } from '../../../src/audit/digest';
import { enterprise } from '../../helpers/factories';
import { CODES } from '../../helpers/fixtures';
import { ServiceContext } from '../../helpers/service-context';

describe('AuditService', () => {
  let s: ServiceContext;
  let audit: AuditService;
  const actor: Actor = { type: 'user', id: null, name: 'audit.svc', requestId: 'req-audit-1' };

  beforeAll(async () => {
    s = await ServiceContext.start(__filename, []);
    audit = s.get(AuditService);
    await enterprise(s.module, CODES.wenzhouLike);
  });
  afterAll(() => s.close());

  /** One audited change of nothing but the entry itself. */
  const change = (entityId: string, after: unknown = { entityId }) =>
    audit.change(actor, async () => ({
      result: entityId,
      entry: { action: 'test.change', entityType: 'test', entityId, after },
    }));
  const chain = () =>
    s.sql<{ seq: string; prev_hash: string; hash: string }>(
      `SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq`,
    );

  it('appends each change as the last statement of its transaction, linked to the entry before it', async () => {
    const before = await audit.head();
    expect(await change('one', { name: '一', n: 1 })).toBe('one');
    const rows = await chain();
    const last = rows[rows.length - 1];
    expect(last.prev_hash).toBe(before.head);
    expect(await audit.head()).toEqual({ length: before.length + 1, head: last.hash });
    const query = Object.assign(new AuditQuery(), { entityType: 'test', entityId: 'one' });
    expect((await audit.list(query)).items).toEqual([
      expect.objectContaining({
        action: 'test.change',
        actor: { type: 'user', id: null, name: 'audit.svc' },
        requestId: 'req-audit-1',
        beforeDigest: null,
        afterDigest: digest({ n: 1, name: '一' }),
        hash: last.hash,
      }),
    ]);
    expect(await audit.verify()).toMatchObject({ valid: true, length: before.length + 1 });
  });

  it('keeps neither the change nor an entry when the change fails', async () => {
    const before = await audit.head();
    await expect(
      audit.change(actor, async (manager) => {
        await manager.query(`UPDATE enterprises SET name = 'never' WHERE uscc = $1`, [CODES.wenzhouLike]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await audit.head()).toEqual(before);
    expect(await s.sql(`SELECT name FROM enterprises WHERE uscc = $1`, [CODES.wenzhouLike])).toEqual([
      { name: '温州市鹿城阀门有限公司' },
    ]);
  });

  it("keeps one unbroken chain under changes made at once, the services' own among them", async () => {
    const before = await audit.head();
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => change(`parallel-${i}`)),
      enterprise(s.module, CODES.beijing, { districtCode: '330303' }),
    ]);
    const rows = await chain();
    expect(rows).toHaveLength(before.length + 13);
    rows.forEach((row, i) => {
      if (i > 0) expect(row.prev_hash).toBe(rows[i - 1].hash);
    });
    expect(await audit.verify()).toEqual({ valid: true, length: before.length + 13 });
  });

  it('finds the first entry rewritten behind its back', async () => {
    const rows = await chain();
    const target = rows[rows.length - 3];
    await s.sql(`ALTER TABLE audit_events DISABLE TRIGGER USER;
                 UPDATE audit_events SET actor_name = 'someone else' WHERE seq = ${Number(target.seq)};
                 ALTER TABLE audit_events ENABLE TRIGGER USER`);
    expect(await audit.verify()).toMatchObject({ valid: false, firstBrokenAt: Number(target.seq) });
  });
});
