/**
 * A bounded load loop: `concurrency` clients, each sending its next request as soon as the
 * previous one is answered, until `stop()` says so. Every outcome is counted by kind.
 */
export class Load {
  readonly counts = new Map<string, number>();
  sent = 0;
  private stopping = false;
  private readonly clients: Promise<void>[] = [];

  constructor(
    private readonly concurrency: number,
    /** One request; returns the kind of its outcome, e.g. `201`, `503+retry-after`, `ECONNRESET`. */
    private readonly send: (n: number) => Promise<string>,
    /** Pause between a client's requests (ms), so that a drill measures the app, not a flood. */
    private readonly pauseMs = 0,
  ) {}

  start(): this {
    for (let c = 0; c < this.concurrency; c++) this.clients.push(this.client());
    return this;
  }

  private async client(): Promise<void> {
    while (!this.stopping) {
      const n = this.sent++;
      const kind = await this.send(n).catch((error: NodeJS.ErrnoException) => error.code ?? error.message);
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
      if (this.pauseMs) await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.clients);
  }

  count(predicate: (kind: string) => boolean): number {
    let n = 0;
    for (const [kind, count] of this.counts) if (predicate(kind)) n += count;
    return n;
  }

  summary(): string {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) => `${kind}×${n}`)
      .join(' ');
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
