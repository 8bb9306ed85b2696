import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read views the public side (search, the public blacklist, its open data and feed) selects
 * from. Each module publishes its own, over its own tables: the registry its enterprises and
 * districts, identity its departments' names, the blacklist its entries and reasons, the outbox
 * its events. They are plain projections, so the planner inlines them and every index of the
 * table underneath (the search's gram and prefix indexes, the blacklist's status index) serves a
 * query on the view as it serves one on the table. A column here is a promise to other modules:
 * rename it in the table, keep it here.
 */
const VIEWS: { name: string; select: string; comment: string }[] = [
  {
    name: 'registry_enterprise_names',
    select: `SELECT id, uscc, name, district_code, updated_at FROM enterprises`,
    comment: `The registry's published read interface: each enterprise's id, code, name and district, and when its row last changed.`,
  },
  {
    name: 'registry_district_names',
    select: `SELECT code, name_zh, name_en FROM districts`,
    comment: `The registry's published read interface: the districts of Wenzhou and their names.`,
  },
  {
    name: 'identity_department_names',
    select: `SELECT code, name_zh, name_en, updated_at FROM departments`,
    comment: `The identity module's published read interface: the departments' names, and when each last changed.`,
  },
  {
    name: 'blacklist_entry_listings',
    select: `SELECT id, enterprise_id, status, district_code, reason_code, department_code, legal_basis, facts,
                    published_at, expires_at, removed_at, removal_reason
               FROM blacklist_entries`,
    comment: `The blacklist's published read interface: every entry's state and what its publication says (only status 'published' is public).`,
  },
  {
    name: 'blacklist_reason_names',
    select: `SELECT code, name_zh, name_en FROM blacklist_reasons`,
    comment: `The blacklist's published read interface: the reasons for a listing and their names.`,
  },
  {
    name: 'outbox_change_events',
    select: `SELECT seq, id, type, uscc, occurred_at, data FROM change_events`,
    comment: `The outbox's published read interface: the change events in order of seq.`,
  },
];

export class DisclosureReadViews1765500000000 implements MigrationInterface {
  name = 'DisclosureReadViews1765500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const view of VIEWS) {
      await q.query(`CREATE VIEW ${view.name} AS ${view.select}`);
      await q.query(`COMMENT ON VIEW ${view.name} IS '${view.comment.replace(/'/g, "''")}'`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const view of [...VIEWS].reverse()) await q.query(`DROP VIEW ${view.name}`);
  }
}
