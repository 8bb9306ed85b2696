import { Actor } from '../access/actor';
import { Caller } from '../access/caller';
import { Problem } from '../common/problem';

/** Who records: a regulator of a department, limited to a district unless city-wide. Records and imports alike. */
export interface Recorder {
  actor: Actor;
  departmentCode: string;
  jurisdiction: string | null;
}

/** The caller as a recorder; refused unless a signed-in user of a department. */
export function recorder(caller: Caller): Recorder {
  if (caller.userId === null || !caller.departmentCode)
    throw Problem.forbidden({
      en: 'Records are made by a regulator of a department',
      zh: '信用记录须由部门的监管人员录入',
    });
  return { actor: caller.actor, departmentCode: caller.departmentCode, jurisdiction: caller.jurisdiction };
}
