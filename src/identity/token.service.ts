import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { jwtVerify, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { generatedSetting } from '../common/secret-box';
import { UserPrincipal, UserRole } from './principal';

const ISSUER = 'quality-credit-registry';

interface AccessClaims {
  username: string;
  role: UserRole;
  dept: string | null;
  district: string | null;
  inst: string | null;
  uscc: string | null;
}

/**
 * Short-lived HS256 access tokens. The secret is JWT_SECRET, or else one generated on first
 * start and kept in `app_settings`, so every replica signs and verifies with the same one.
 */
@Injectable()
export class TokenService implements OnModuleInit {
  private secret!: Uint8Array;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const secret = this.config.JWT_SECRET ?? (await generatedSetting(this.dataSource, 'jwt_secret')).value;
    this.secret = new TextEncoder().encode(secret);
  }

  get ttlSeconds(): number {
    return this.config.JWT_TTL_SECONDS;
  }

  async sign(user: Omit<UserPrincipal, 'kind'>): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const claims: AccessClaims = {
      username: user.username,
      role: user.role,
      dept: user.departmentCode,
      district: user.districtCode,
      inst: user.institutionId,
      uscc: user.uscc,
    };
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(user.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.secret);
  }

  /** The principal in a valid token, or null for a bad, foreign or expired one. */
  async verify(token: string): Promise<UserPrincipal | null> {
    try {
      const { payload } = await jwtVerify<AccessClaims>(token, this.secret, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: this.clock.now(),
      });
      return {
        kind: 'user',
        userId: payload.sub!,
        username: payload.username,
        role: payload.role,
        departmentCode: payload.dept,
        districtCode: payload.district,
        institutionId: payload.inst,
        uscc: payload.uscc,
      };
    } catch {
      return null;
    }
  }
}
