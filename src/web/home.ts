import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { ClassificationRepository } from '../classification/classification.repository';
import { GRADES, Grade } from '../classification/rule-set';
import { PublicBlacklistEntrySummaryDto } from '../disclosure/open-data/dto/public-blacklist.dto';
import { PublicRemoval } from '../disclosure/open-data/public-blacklist.repository';
import { PublicBlacklistService } from '../disclosure/open-data/public-blacklist.service';

/** How many of the newest publications and removals the home page lists. */
export const HOME_LATEST = 5;
/** How long the newest lists are kept in the process: a publication shows on the home page within this. */
const LATEST_TTL_MS = 15_000;
/** How long the counts are kept: they walk the whole register. */
const COUNTS_TTL_MS = 60_000;

/** The register's enterprises by current grade, those not graded yet, and those on the blacklist now. */
export interface HomeCounts {
  grades: Record<Grade | 'ungraded', number>;
  total: number;
  listed: number;
}

export interface HomeView {
  newest: PublicBlacklistEntrySummaryDto[];
  removals: PublicRemoval[];
  counts: HomeCounts;
}

/**
 * A value read at most once per `ttlMs` (monotonic time): the visits meanwhile share it, the
 * visits during a read wait for that read, and a failed read is not kept.
 */
class Kept<T> {
  private kept: { at: number; value: Promise<T> } | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly read: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = performance.now();
    if (!this.kept || now - this.kept.at > this.ttlMs) {
      const value = this.read();
      this.kept = { at: now, value };
      value.catch(() => {
        if (this.kept?.value === value) this.kept = null;
      });
    }
    return this.kept.value;
  }
}

/**
 * What the home page shows beside its search box: the newest publications and removals and the
 * counts by grade with the number of enterprises listed. The home page is the site's busiest, so
 * what it shows is kept in the process for a short while (p95 ≤ 30 ms on the demo data): the
 * lists (two index reads of five rows) for 15 seconds, the counts (a walk of the register) for a
 * minute.
 */
@Injectable()
export class PublicHome {
  private readonly latest: Kept<Pick<HomeView, 'newest' | 'removals'>>;
  private readonly counts: Kept<HomeCounts>;

  constructor(
    private readonly blacklist: PublicBlacklistService,
    private readonly grades: ClassificationRepository,
  ) {
    this.latest = new Kept(LATEST_TTL_MS, async () => {
      const [newest, removals] = await Promise.all([
        this.blacklist.newest(HOME_LATEST),
        this.blacklist.newestRemovals(HOME_LATEST),
      ]);
      return { newest, removals };
    });
    this.counts = new Kept(COUNTS_TTL_MS, () => this.readCounts());
  }

  async view(): Promise<HomeView> {
    const [latest, counts] = await Promise.all([this.latest.get(), this.counts.get()]);
    return { ...latest, counts };
  }

  private async readCounts(): Promise<HomeCounts> {
    const [byDistrict, listed] = await Promise.all([
      this.grades.gradeCountsByDistrict(),
      this.blacklist.listedEnterprises(),
    ]);
    const grades: HomeCounts['grades'] = { A: 0, B: 0, C: 0, D: 0, ungraded: 0 };
    for (const d of byDistrict) for (const key of [...GRADES, 'ungraded'] as const) grades[key] += d[key];
    const total = Object.values(grades).reduce((a, n) => a + n, 0);
    return { grades, total, listed };
  }
}
