import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { jwtVerify, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { AnnouncedCache } from '../redis/announced-cache';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { RedisClient, RedisConnections } from '../redis/connections';
import { REDIS } from '../redis/redis.token';
import { generatedSetting } from '../database/secret-box';
import { isUuid } from '../common/validation';
import { UserPrincipal, UserRole } from '../access/principal';
import { Standing, UsersRepository } from './users.repository';

const ISSUER = 'quality-credit-registry';
/** How long a user's standing is trusted without asking the database again (a lost announcement's bound). */
const STANDING_TTL_MS = 30_000;

interface AccessClaims {
  username: string;
  role: UserRole;
  dept: string | null;
  district: string | null;
  inst: string | null;
  uscc: string | null;
  /** The user's token version when the token was issued. */
  ver: number;
}

/**
 * Short-lived HS256 access tokens. The secret is JWT_SECRET, or else one generated on first
 * start and kept in `app_settings`, so every replica signs and verifies with the same one.
 *
 * A valid signature is not enough: the token's user must still exist, be enabled, and hold the
 * token version it was issued with. Users' standings are cached like API keys (AnnouncedCache):
 * disabling a user or changing their password is announced, and every replica refuses their
 * tokens from the next request on. The principal comes from the database, not the token, so a
 * changed district applies at once too.
 */
@Injectable()
export class TokenService implements OnModuleInit, OnModuleDestroy {
  private secret!: Uint8Array;
  private readonly standings: AnnouncedCache<Standing>;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    @Inject(REDIS) redis: RedisClient,
    connections: RedisConnections,
  ) {
    this.standings = new AnnouncedCache(
      redis,
      connections,
      `${config.REDIS_PREFIX}:users:changed`,
      (userId) => this.users.standing(userId),
      new Logger(TokenService.name),
      { max: 50_000, ttlMs: STANDING_TTL_MS },
    );
  }

  async onModuleInit(): Promise<void> {
    const secret = this.config.JWT_SECRET ?? (await generatedSetting(this.dataSource, 'jwt_secret')).value;
    this.secret = new TextEncoder().encode(secret);
    await this.standings.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.standings.stop();
  }

  get ttlSeconds(): number {
    return this.config.JWT_TTL_SECONDS;
  }

  async sign(user: Omit<UserPrincipal, 'kind'>, tokenVersion: number): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const claims: AccessClaims = {
      username: user.username,
      role: user.role,
      dept: user.departmentCode,
      district: user.districtCode,
      inst: user.institutionId,
      uscc: user.uscc,
      ver: tokenVersion,
    };
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(user.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.secret);
  }

  /**
   * The principal of a valid token, or null for a bad, foreign or expired one, one without an
   * expiry, or one whose user is unknown, disabled, or has had their tokens ended since.
   */
  async verify(token: string): Promise<UserPrincipal | null> {
    let payload: Partial<AccessClaims> & { sub?: string };
    try {
      ({ payload } = await jwtVerify<AccessClaims>(token, this.secret, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
        currentDate: this.clock.now(),
      }));
    } catch {
      return null;
    }
    if (!isUuid(payload.sub)) return null;
    const standing = await this.standings.get(payload.sub);
    return standing && standing.tokenVersion === payload.ver ? standing.principal : null;
  }

  /** After a committed change to a user's standing: every replica reads it afresh on their next request. */
  usersChanged(userIds: readonly string[]): Promise<void> {
    return this.standings.announce(
      userIds,
      userIds.length === 1 ? `the change to user ${userIds[0]}` : `the change to ${userIds.length} users`,
    );
  }
}
