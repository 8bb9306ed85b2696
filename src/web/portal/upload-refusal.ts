import { Problem } from '../../common/problem';
import { Lang } from '../i18n';
import { INSTITUTION_TEXT } from './institution.text';

/**
 * A refused file of codes as the message beside the form's file field, in the person's language:
 * one that cannot be read (its reason), one too large, none chosen. Anything else (a 5xx) is
 * left to the error page.
 */
export function fileRefusal(error: unknown, lang: Lang): { status: number; errors: Record<string, string> } {
  if (!(error instanceof Problem) || error.status >= 500) throw error;
  const listed = (error.extensions.errors as { field: string; message: string }[] | undefined) ?? [];
  if (
    error.code === 'validation-failed' &&
    listed.some((e) => e.field === 'file' && e.message.startsWith('is required'))
  )
    return { status: 400, errors: { file: INSTITUTION_TEXT[lang].chooseFile } };
  return { status: error.status, errors: { file: error.localized(lang) } };
}
