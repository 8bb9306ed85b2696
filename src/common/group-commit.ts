/**
 * Group commit: the items submitted in one turn of the event loop, and those that arrive while a
 * write is in flight, go together in the next single write. One write is in flight at a time,
 * so groups grow with the load and need no timer: a lone item is written at the end of its turn,
 * a thousand concurrent ones in a few statements. Each submitter gets its own part of its
 * group's result once the write that carried it has committed.
 *
 * Written by hand: no library does group commit for pg, and it is this one loop. A failed write
 * fails every item of its group; later groups try again.
 */
export class GroupCommit<I, O> {
  private waiting: { item: I; resolve: (result: O) => void; reject: (error: unknown) => void }[] = [];
  private writing: Promise<void> | null = null;

  /** `write` gets a group in submission order and returns one result per item, in that order. */
  constructor(private readonly write: (items: I[]) => Promise<O[]>) {}

  /** Resolves with the item's result once the write that carried it has committed. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Resolves once nothing is waiting or being written. */
  async idle(): Promise<void> {
    await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length) {
      // Let the rest of this turn of the event loop (other sockets' requests) join the group.
      await new Promise(setImmediate);
      const group = this.waiting;
      this.waiting = [];
      try {
        const results = await this.write(group.map((w) => w.item));
        group.forEach((w, i) => w.resolve(results[i]));
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    this.writing = null;
  }
}
