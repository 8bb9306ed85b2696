import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** An enterprise as the register knows it, with its district's names. */
export interface EnterpriseProfile {
  id: string;
  uscc: string;
  name: string;
  districtCode: string;
  district: { zh: string; en: string };
  status: string;
  /** Personal data: whoever shows it to the public masks it. */
  legalRepresentative: string | null;
}

interface ProfileRow {
  id: string;
  uscc: string;
  name: string;
  district_code: string;
  district_zh: string;
  district_en: string;
  status: string;
  legal_representative: string | null;
}

/** Reads of the register for the modules above it: an enterprise's profile, the register's size. */
@Injectable()
export class EnterpriseProfilesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The enterprise with this (normalised) credit code, or undefined. */
  async byUscc(uscc: string): Promise<EnterpriseProfile | undefined> {
    const [e]: ProfileRow[] = await this.db.query(
      `SELECT e.id::text, e.uscc, e.name, e.district_code, d.name_zh AS district_zh, d.name_en AS district_en,
              e.status, e.legal_representative
         FROM enterprises e JOIN districts d ON d.code = e.district_code
        WHERE e.uscc = $1`,
      [uscc],
    );
    return (
      e && {
        id: e.id,
        uscc: e.uscc,
        name: e.name,
        districtCode: e.district_code,
        district: { zh: e.district_zh, en: e.district_en },
        status: e.status,
        legalRepresentative: e.legal_representative,
      }
    );
  }

  /** The planner's count of enterprises (from the last ANALYZE), 0 before the first. */
  async estimatedCount(): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(
      `SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'enterprises'::regclass`,
    );
    return n;
  }
}
