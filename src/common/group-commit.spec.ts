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

const turn = () => new Promise((resolve) => setImmediate(resolve));

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
  it('writes the items of one turn of the event loop together, and those that arrive meanwhile in the next write', async () => {
    const { write, writes } = controlledWrite();
    const group = new GroupCommit(write);
    const first = group.submit('A');
    const second = group.submit('BB');
    expect(writes).toHaveLength(0); // the rest of this turn may still join
    await turn();
    expect(writes.map((w) => w.items)).toEqual([['A', 'BB']]);

    const third = group.submit('CCC');
    const fourth = group.submit('DDDD');
    await turn();
    expect(writes).toHaveLength(1); // one write in flight at a time

    writes[0].finish();
    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
    expect(await settled(third)).toBe(false); // not answered before its own write commits
    expect(writes.map((w) => w.items)).toEqual([
      ['A', 'BB'],
      ['CCC', 'DDDD'],
    ]);

    writes[1].finish();
    await expect(Promise.all([third, fourth])).resolves.toEqual([3, 4]);
    expect(writes).toHaveLength(2);
    await group.idle();
  });

  it('fails every item of a failed write, and writes later ones afresh', async () => {
    const { write, writes } = controlledWrite();
    const group = new GroupCommit(write);
    const first = group.submit('A');
    await turn();
    const second = group.submit('B');
    writes[0].finish(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    await turn();
    writes[1].finish(new Error('still down'));
    await expect(second).rejects.toThrow('still down');

    const third = group.submit('C');
    await turn();
    writes[2].finish();
    await expect(third).resolves.toBe(1);
  });
});
