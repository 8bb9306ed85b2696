import { Caller } from '../access/caller';
import { Problem } from '../common/problem';
import { Principal } from '../access/principal';

/** Who asks for a credit status, as the query log records it: the institution, and its key or user. */
export interface Asker {
  institutionId: string;
  apiKeyId: string | null;
  userId: string | null;
}

const NO_INSTITUTION = {
  en: 'Credit status is for the users and keys of an institution',
  zh: '信用状况仅供机构的用户和密钥查询',
};

export function askerOf(principal: Principal): Asker {
  if (principal.kind === 'key')
    return { institutionId: principal.institutionId, apiKeyId: principal.keyId, userId: null };
  if (!principal.institutionId) throw Problem.forbidden(NO_INSTITUTION);
  return { institutionId: principal.institutionId, apiKeyId: null, userId: principal.userId };
}

/** The institution a caller acts for (an institution's key or user), as askerOf finds it. */
export function institutionOf(caller: Caller): string {
  if (!caller.institutionId) throw Problem.forbidden(NO_INSTITUTION);
  return caller.institutionId;
}
