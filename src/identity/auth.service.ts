import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Problem } from '../common/problem';
import { RateLimiter, tooManyRequests } from '../common/rate-limiter';
import { REDIS } from '../common/redis.token';
import { LoginDto, LoginResultDto } from './dto/login.dto';
import { TokenService } from './token.service';
import { UsersService } from './users.service';

/** Login attempts one client address may make per minute, whatever the user names. */
export const LOGIN_ATTEMPTS_PER_IP_PER_MINUTE = 30;
/** Failed logins for one user name, within LOCK_SECONDS, that lock it for LOCK_SECONDS. */
export const LOGIN_FAILURES_BEFORE_LOCK = 5;
export const LOCK_SECONDS = 15 * 60;

@Injectable()
export class AuthService {
  /** Verified against when the user does not exist, so both failures take the same time. */
  private readonly dummyHash = argon2.hash(randomBytes(16), { type: argon2.argon2id });

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly limiter: RateLimiter,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async login({ username, password }: LoginDto, ip: string): Promise<LoginResultDto> {
    await this.limiter.hit(
      `login-ip:${ip}`,
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE,
      60_000,
      'Login attempts from this address',
    );
    const name = username.toLowerCase();
    const locked = await this.redis.pttl(`login-lock:${name}`);
    if (locked > 0) {
      throw tooManyRequests(
        'Too many failed logins for this user; try again later',
        Math.ceil(locked / 1000),
        'login-locked',
      );
    }
    const user = await this.users.findForLogin(username);
    const ok = await argon2.verify(user?.passwordHash ?? (await this.dummyHash), password).catch(() => false);
    if (!user || !ok) {
      await this.countFailure(name);
      throw new Problem(HttpStatus.UNAUTHORIZED, 'login-failed', 'Unauthorized', 'Unknown user name or wrong password');
    }
    await this.redis.del(`login-failures:${name}`);
    const accessToken = await this.tokens.sign({
      userId: user.id,
      username: user.username,
      role: user.role,
      departmentCode: user.departmentCode,
      districtCode: user.districtCode,
      institutionId: user.institutionId,
      uscc: user.uscc,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      user: { username: user.username, role: user.role, departmentCode: user.departmentCode },
    };
  }

  /** Counts a failure for the name (known or not, so locking reveals nothing) and locks at the limit. */
  private async countFailure(name: string): Promise<void> {
    const key = `login-failures:${name}`;
    const [[, failures]] = (await this.redis.multi().incr(key).expire(key, LOCK_SECONDS, 'NX').exec()) as [
      [null, number],
    ];
    if (failures >= LOGIN_FAILURES_BEFORE_LOCK) {
      await this.redis.multi().set(`login-lock:${name}`, '1', 'EX', LOCK_SECONDS).del(key).exec();
    }
  }
}
