import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { ClassificationRepository } from '../classification/classification.repository';
import { GRADES, Grade } from '../classification/rule-set';
import { PublicBlacklistEntrySummaryDto } from '../disclosure/open-data/dto/public-blacklist.dto';
import { PublicRemoval } from '../disclosure/open-data/public-blacklist.repository';
import { PublicBlacklistService } from '../disclosure/open-data/public-blacklist.service';

/** How many of the newest publications and removals the home page lists. */
export const HOME_LATEST = 5;
/** How long the counts are kept in the process: they read the whole register. */
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
 * What the home page shows beside its search box: the newest publications and removals (two
 * index reads of five rows each, fresh on every visit) and the counts by grade with the number
 * of enterprises listed. The counts walk the register, so they are kept for a minute and read
 * again by the first visit after that (one read at a time; the others wait for it).
 */
@Injectable()
export class PublicHome {
  constructor(
    private readonly blacklist: PublicBlacklistService,
    private readonly grades: ClassificationRepository,
  ) {}

  private counted: { at: number; counts: Promise<HomeCounts> } | null = null;

  async view(): Promise<HomeView> {
    const [newest, removals, counts] = await Promise.all([
      this.blacklist.newest(HOME_LATEST),
      this.blacklist.newestRemovals(HOME_LATEST),
      this.counts(),
    ]);
    return { newest, removals, counts };
  }

  private counts(): Promise<HomeCounts> {
    const now = performance.now();
    if (!this.counted || now - this.counted.at > COUNTS_TTL_MS) {
      const counts = this.readCounts();
      this.counted = { at: now, counts };
      // A failed read is not kept: the next visit tries again.
      counts.catch(() => {
        if (this.counted?.counts === counts) this.counted = null;
      });
    }
    return this.counted.counts;
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
