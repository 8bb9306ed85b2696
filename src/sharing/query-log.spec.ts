import { DataSource } from 'typeorm';
import { QueryLog, QueryLogEntry } from './query-log';

const asker = { institutionId: '6f1c1c52-0000-4000-8000-000000000001', apiKeyId: null, userId: null };
const entry = (usccs: string[]): QueryLogEntry => ({
  asker,
  purpose: 'loan_review',
  usccs,
  askedAt: new Date('2026-03-01T00:00:00Z'),
  asOf: null,
});

/** A database whose INSERTs finish when the test says so. */
function fakeDatabase() {
  const writes: { usccs: string[]; finish: (error?: Error) => void }[] = [];
  const dataSource = {
    query: (_sql: string, params: unknown[]) =>
      new Promise<void>((resolve, reject) => {
        writes.push({ usccs: params[6] as string[], finish: (error) => (error ? reject(error) : resolve()) });
      }),
  } as unknown as DataSource;
  return { dataSource, writes };
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('query log group commit', () => {
  it('writes a lone entry at once, and the entries that arrive meanwhile together in one statement', async () => {
    const { dataSource, writes } = fakeDatabase();
    const log = new QueryLog(dataSource);
    const first = log.record(entry(['A']));
    const second = log.record(entry(['B', 'C']));
    const third = log.record(entry(['D']));
    expect(writes.map((w) => w.usccs)).toEqual([['A']]);

    writes[0].finish();
    await first;
    expect(await settled(second)).toBe(false); // not answered before its own write commits
    expect(writes.map((w) => w.usccs)).toEqual([['A'], ['B', 'C', 'D']]);

    writes[1].finish();
    await Promise.all([second, third]);
    expect(writes).toHaveLength(2);
  });

  it('fails every request of a failed write, and writes later ones afresh', async () => {
    const { dataSource, writes } = fakeDatabase();
    const log = new QueryLog(dataSource);
    const first = log.record(entry(['A']));
    const second = log.record(entry(['B']));
    writes[0].finish(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    writes[1].finish(new Error('still down'));
    await expect(second).rejects.toThrow('still down');

    const third = log.record(entry(['C']));
    writes[2].finish();
    await expect(third).resolves.toBeUndefined();
  });

  it('writes nothing for an answer about no enterprise', async () => {
    const { dataSource, writes } = fakeDatabase();
    await new QueryLog(dataSource).record(entry([]));
    expect(writes).toHaveLength(0);
  });
});
