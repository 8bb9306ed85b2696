export const USER_ROLES = ['admin', 'regulator', 'reviewer', 'institution', 'enterprise'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const API_SCOPES = ['status:read', 'batch:read', 'feed:read', 'webhooks:manage'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Who is calling, as established by the access guard from a bearer token. */
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

export type Principal = UserPrincipal;
