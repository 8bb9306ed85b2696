import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FormShown } from './console-pages';
import { readCookie } from '../../access/page-session';
import { API_SCOPES } from '../../access/principal';
import { Problem } from '../../common/problem';
import { ApiKeysService } from '../../identity/api-keys.service';
import { ApiKeyDto, CreateApiKeyDto } from '../../identity/dto/institution.dto';
import { Lang } from '../i18n';
import { ADMIN_TEXT } from './admin.text';
import { checkForm, filled, formFields } from './forms';

/**
 * Carries something just made (an API key, a webhook secret) to the one page view that shows it:
 * in a short-lived HttpOnly cookie limited to that page's path, which that page clears, so a
 * reload no longer shows it and it is never stored in the clear.
 */
export class ShownOnce {
  constructor(private readonly cookie: string) {}

  carry(request: FastifyRequest, reply: FastifyReply, path: string, value: string, maxAge = 120): void {
    void reply.header('Set-Cookie', this.header(request, path, Buffer.from(value).toString('base64url'), maxAge));
  }

  /** The value carried to `path`, if any; the cookie is cleared at once. */
  take(request: FastifyRequest, reply: FastifyReply, path: string): string | null {
    const carried = readCookie(request.headers.cookie, this.cookie);
    if (!carried) return null;
    void reply.header('Set-Cookie', this.header(request, path, '', 0));
    return Buffer.from(carried, 'base64url').toString('utf8') || null;
  }

  private header(request: FastifyRequest, path: string, value: string, maxAge: number): string {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    return `${this.cookie}=${value}; HttpOnly; SameSite=Strict; Path=${path}; Max-Age=${maxAge}${secure}`;
  }
}

/** A key just issued, on its way to the page that shows it once. */
export const NEW_KEY = new ShownOnce('qc_new_key');

export type KeyForm =
  { ok: true; value: CreateApiKeyDto } | { ok: false; errors: Record<string, string>; values: Record<string, string> };

/**
 * The form that issues a key, checked against the API's DTO: a name, the scopes as checkboxes (at
 * least one), and the rate limit where the page offers it (an administrator's; an institution keeps the default).
 */
export async function readKeyForm(request: FastifyRequest, lang: Lang, withRateLimit: boolean): Promise<KeyForm> {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const scopes = ([] as unknown[]).concat(body.scopes ?? []).filter((s): s is string => typeof s === 'string');
  const fields = formFields(request);
  const input = { scopes, ...filled(fields, withRateLimit ? ['label', 'rateLimitPerMinute'] : ['label']) };
  const values = {
    label: fields.label ?? '',
    rateLimitPerMinute: fields.rateLimitPerMinute ?? '',
    scopes: scopes.join(' '),
  };
  const checked = await checkForm(CreateApiKeyDto, input, lang);
  if (checked.ok) return checked;
  const errors = scopes.length ? checked.errors : { ...checked.errors, scopes: ADMIN_TEXT[lang].pickScope };
  return { ok: false, errors, values };
}

/** A key of this institution; another's, or none, is not found. */
export async function keyOfInstitution(keys: ApiKeysService, institutionId: string, keyId: string): Promise<ApiKeyDto> {
  const key = await keys.get(keyId);
  if (key.institutionId !== institutionId) throw Problem.notFound('API key', keyId);
  return key;
}

/**
 * What the keys partial (views/console/api-keys.eta) shows: the keys newest first, the key just
 * issued when it is one of theirs (its prefix is), the key whose revocation waits for a
 * confirmation, and the scopes with their names.
 */
/** What a page of keys shows beyond the list: what was just done, the key just issued, the one to confirm revoking, a form sent back. */
export type KeysPageState = { done?: string | null; newKey?: string | null; confirm?: string } & FormShown;

export function keysView(
  keys: ApiKeyDto[],
  t: Record<string, string>,
  options: { newKey?: string | null; confirm?: string | null; base: string; home: string; withRateLimit: boolean },
) {
  const newKey = options.newKey && keys.some((k) => options.newKey?.startsWith(`${k.prefix}_`)) ? options.newKey : null;
  return {
    keys: [...keys].sort((a, b) => +b.createdAt - +a.createdAt),
    newKey,
    confirm: options.confirm ?? null,
    keysBase: options.base,
    keysHome: options.home,
    withRateLimit: options.withRateLimit,
    scopes: API_SCOPES.map((s) => ({ value: s, text: t[`scope_${s.replace(/[:]/g, '_')}`] ?? s })),
  };
}
