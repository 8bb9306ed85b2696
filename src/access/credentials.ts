import { KeyPrincipal, UserPrincipal } from './principal';

/**
 * How the access guard turns the credentials on a request into a principal. The guard sits
 * below every feature, so it names this port, and `identity`, which keeps the users, tokens
 * and API keys, provides it.
 */
export abstract class Credentials {
  /** The institution key's principal, or null when the key is unknown or revoked. */
  abstract apiKey(key: string): Promise<KeyPrincipal | null>;
  /** The user's principal from a bearer token, or null when it is invalid or expired. */
  abstract bearer(token: string): Promise<UserPrincipal | null>;
}
