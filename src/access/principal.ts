export const USER_ROLES = ['admin', 'regulator', 'reviewer', 'institution', 'enterprise'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const API_SCOPES = ['status:read', 'batch:read', 'feed:read', 'webhooks:manage'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** The district code of the city level: a user bound to it acts city-wide. */
export const CITY_DISTRICT = '330300';

/** A person, from a bearer token. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  username: string;
  role: UserRole;
  departmentCode: string | null;
  districtCode: string | null;
  institutionId: string | null;
  uscc: string | null;
}

/** An institution's system, from an `X-API-Key`. */
export interface KeyPrincipal {
  kind: 'key';
  keyId: string;
  /** The key's visible prefix, safe to log and show. */
  prefix: string;
  institutionId: string;
  departmentCode: string;
  scopes: ApiScope[];
  rateLimitPerMinute: number;
}

export type Principal = UserPrincipal | KeyPrincipal;

/**
 * The district a regulator or reviewer is limited to, or null when they act city-wide
 * (no district, or the city level).
 */
export function jurisdiction(principal: Principal | undefined): string | null {
  if (!principal || principal.kind !== 'user') return null;
  if (principal.role !== 'regulator' && principal.role !== 'reviewer') return null;
  return principal.districtCode && principal.districtCode !== CITY_DISTRICT ? principal.districtCode : null;
}
