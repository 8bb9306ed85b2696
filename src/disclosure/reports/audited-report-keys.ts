import { keyedAuditedTable } from '../../audit/audited-table';
import { ReportKeysRepository } from './report-keys.repository';

/**
 * report_signing_keys as the `report-key.generate`, `.rotate` or `.configure` entry that made each
 * one describes it: its id and public half, which never change (retiring a key sets only
 * retired_at). A public half swapped, or a key inserted, behind the application's back would make
 * forged reports and checkpoints verify; this finds it.
 */
export const auditedReportKeys = keyedAuditedTable('report_signing_keys', 'report-key', {
  keys: async (manager) => (await ReportKeysRepository.keySet(manager)).keys.map((k) => k.kid as string),
  asWritten: async (manager, ids) => {
    const halves = await ReportKeysRepository.publicHalves(manager, ids);
    return new Map([...halves].map(([kid, publicJwk]) => [kid, { kid, publicJwk }]));
  },
});
