import { GroupCommit } from './group-commit';

/** A write that finishes when the test says so, answering each item with its length. */
function controlledWrite() {
  const writes: { items: string[]; finish: (error?: Error) => void }[] = [];
  const write = (items: string[]) =>
    new Promise<number[]>((resolve, reject) => {
      writes.push({ items, finish: (error) => (error ? reject(error) : resolve(items.map((i) => i.length))) });
    });
  return { write, writes };
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

describe('group commit', () => {
  it('writes a lone item at once, and the items that arrive meanwhile together, each getting its own result', async () => {
    const { write, writes } = controlledWrite();
    const group = new GroupCommit(write);
    const first = group.submit('A');
    const second = group.submit('BB');
    const third = group.submit('CCC');
    expect(writes.map((w) => w.items)).toEqual([['A']]);

    writes[0].finish();
    await expect(first).resolves.toBe(1);
    expect(await settled(second)).toBe(false); // not answered before its own write commits
    expect(writes.map((w) => w.items)).toEqual([['A'], ['BB', 'CCC']]);

    writes[1].finish();
    await expect(Promise.all([second, third])).resolves.toEqual([2, 3]);
    expect(writes).toHaveLength(2);
    await group.idle();
  });

  it('fails every item of a failed write, and writes later ones afresh', async () => {
    const { write, writes } = controlledWrite();
    const group = new GroupCommit(write);
    const first = group.submit('A');
    const second = group.submit('B');
    writes[0].finish(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    writes[1].finish(new Error('still down'));
    await expect(second).rejects.toThrow('still down');

    const third = group.submit('C');
    writes[2].finish();
    await expect(third).resolves.toBe(1);
  });
});
