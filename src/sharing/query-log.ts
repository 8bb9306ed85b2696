import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Asker } from './asker';
import { Purpose } from './purposes';

/** One status answer (single or batch) to log: who asked, why, when, about which codes. */
export interface QueryLogEntry {
  asker: Asker;
  purpose: Purpose;
  usccs: string[];
  askedAt: Date;
  asOf: Date | null;
}

interface Waiting {
  entry: QueryLogEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The log of every credit-status answer, written before the answer leaves (the request awaits
 * its entry's commit), and cheap under load by group commit: entries that arrive while a write
 * is in flight wait for it to finish and then go together in the next single multi-row INSERT.
 * One write is in flight at a time, so the batches grow with the load and need no timer: a lone
 * request is written at once, a thousand concurrent ones in a few statements.
 *
 * Written by hand: no library does group commit for pg, and it is this one loop. A failed write
 * fails every request of its group (none of them answers unlogged); later groups try again.
 */
@Injectable()
export class QueryLog implements BeforeApplicationShutdown {
  private waiting: Waiting[] = [];
  private writing: Promise<void> | null = null;

  constructor(@InjectDataSource() private readonly dataSource: Pick<DataSource, 'query'>) {}

  /** Resolves once the entry is committed (immediately when it names no code). */
  record(entry: QueryLogEntry): Promise<void> {
    if (!entry.usccs.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ entry, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length) {
      const group = this.waiting;
      this.waiting = [];
      try {
        await this.write(group.map((w) => w.entry));
        for (const w of group) w.resolve();
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    this.writing = null;
  }

  /** One statement for the whole group: a row per request, joined to its codes. */
  private async write(entries: QueryLogEntry[]): Promise<void> {
    const usccs: string[] = [];
    const requestOf: number[] = [];
    entries.forEach((entry, i) => {
      for (const uscc of entry.usccs) {
        usccs.push(uscc);
        requestOf.push(i + 1);
      }
    });
    await this.dataSource.query(
      `INSERT INTO credit_queries (institution_id, api_key_id, user_id, purpose, uscc, asked_at, as_of)
       SELECT r.institution_id, r.api_key_id, r.user_id, r.purpose, c.uscc, r.asked_at, r.as_of
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::timestamptz[])
              WITH ORDINALITY AS r(institution_id, api_key_id, user_id, purpose, asked_at, as_of, n)
         JOIN unnest($7::text[], $8::bigint[]) AS c(uscc, n) USING (n)`,
      [
        entries.map((e) => e.asker.institutionId),
        entries.map((e) => e.asker.apiKeyId),
        entries.map((e) => e.asker.userId),
        entries.map((e) => e.purpose),
        entries.map((e) => e.askedAt),
        entries.map((e) => e.asOf),
        usccs,
        requestOf,
      ],
    );
  }
}
