import { Problem } from '../../common/problem';
import { Lang } from '../i18n';
import { ADMIN_TEXT } from './admin.text';

type AdminKey = keyof (typeof ADMIN_TEXT)['zh'];

/** The services' English field messages, by what they say, as the administrators' pages' Chinese. */
const MESSAGES: [RegExp, AdminKey][] = [
  [/is required for a/, 'requiredForRole'],
  [/does not apply to a/, 'notForRole'],
  [/belong to a regulator department/, 'notRegulatorDept'],
  [/belongs to a (finance|tax) department/, 'wrongDeptKind'],
  [/^department .* (does not exist|was merged into|was itself merged)/, 'noDepartment'],
  [/^district .* does not exist/, 'noDistrict'],
  [/^institution .* does not exist/, 'noInstitution'],
  [/^enterprise .* is not registered/, 'notRegistered'],
];

/** A conflict's code → the field it is about and its message. */
const CONFLICTS: Record<string, [string, AdminKey]> = {
  'duplicate-user': ['username', 'duplicateUser'],
  'duplicate-institution': ['name', 'duplicateInstitution'],
  'cannot-disable-self': ['', 'cannotDisableSelf'],
  'already-revoked': ['', 'alreadyRevoked'],
  'merge-into-self': ['successorCode', 'mergeSelf'],
};

/**
 * A service's refusal as messages beside the form's fields (field → message; `''` for the form
 * as a whole), in the person's language. `rename` maps a service's field to the form's.
 * Anything but a 4xx Problem is thrown on.
 */
export function refusal(error: unknown, lang: Lang, rename: Record<string, string> = {}): Record<string, string> {
  if (!(error instanceof Problem) || error.status >= 500 || error.status === 404 || error.status === 403) throw error;
  const t = ADMIN_TEXT[lang];
  const field = (name: string) => rename[name] ?? name;
  const listed = error.extensions.errors as { field: string; message: string }[] | undefined;
  if (error.code === 'validation-failed' && listed?.length) {
    return Object.fromEntries(
      listed.map((e) => {
        const key = MESSAGES.find(([pattern]) => pattern.test(e.message))?.[1];
        return [field(e.field), key ? t[key] : lang === 'zh' ? '该项不符合要求' : e.message];
      }),
    );
  }
  const conflict = CONFLICTS[error.code];
  if (conflict) return { [field(conflict[0])]: t[conflict[1]] };
  return { '': error.localized(lang) };
}
