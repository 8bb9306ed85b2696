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
    throw Problem.forbidden('Records are made by a regulator of a department');
  return { actor: caller.actor, departmentCode: caller.departmentCode, jurisdiction: caller.jurisdiction };
}
