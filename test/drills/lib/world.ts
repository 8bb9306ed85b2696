import { makeUscc } from '../../../src/common/uscc';
import { enterpriseBody } from '../../helpers/fixtures';
import { ADMIN, Reachable } from './app';
import { must } from './http';

/** Credentials for every kind of caller, made through the admin API of a running app. */
export interface Actors {
  admin: string;
  regulator: string;
  reviewer: string;
  institution: string;
  enterprise: string;
  /** An API key holding every scope. */
  apiKey: string;
  /** The enterprise the enterprise user acts for (registered). */
  uscc: string;
}

export async function login(api: Reachable, username: string, password: string): Promise<string> {
  const answer = await must(api.url('/api/v1/auth/login'), { method: 'POST', body: { username, password } }, 200);
  return answer.json().accessToken;
}

/** A credit code no other drill or run uses (serial from the clock and a counter). */
let serial = Math.floor(Math.random() * 50_000_000);
export const freshUscc = () => makeUscc('330302', ++serial);

/** `tag` sets the users' names apart, for a second set of actors on the same database. */
export async function createActors(api: Reachable, tag = ''): Promise<Actors> {
  const admin = await login(api, ADMIN.username, ADMIN.password);
  const post = (path: string, body: unknown, token = admin) =>
    must(api.url(path), { method: 'POST', token, body }, 201).then((a) => a.json());
  const password = 'drill-password-0123456789';
  const uscc = freshUscc();
  await post('/api/v1/enterprises', enterpriseBody(uscc));
  const institution = await post('/api/v1/institutions', {
    name: `温州银行${tag}`,
    kind: 'bank',
    departmentCode: 'PBOC',
  });
  const key = await post(`/api/v1/institutions/${institution.id}/api-keys`, {
    scopes: ['status:read', 'batch:read', 'feed:read', 'webhooks:manage'],
    rateLimitPerMinute: 1_000_000,
  });
  const users = {
    regulator: { role: 'regulator', departmentCode: 'AMR' },
    reviewer: { role: 'reviewer', departmentCode: 'AMR' },
    institution: { role: 'institution', institutionId: institution.id },
    enterprise: { role: 'enterprise', uscc },
  };
  const tokens: Record<string, string> = {};
  for (const [name, fields] of Object.entries(users)) {
    const username = `drill.${name}${tag}`;
    await post('/api/v1/users', { username, password, ...fields });
    tokens[name] = await login(api, username, password);
  }
  return {
    admin,
    regulator: tokens.regulator,
    reviewer: tokens.reviewer,
    institution: tokens.institution,
    enterprise: tokens.enterprise,
    apiKey: key.key,
    uscc,
  };
}
