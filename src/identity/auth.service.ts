import { HttpStatus, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { Problem } from '../common/problem';
import { QuotaSink } from '../common/rate-limit-headers';
import { LoginDto, LoginResultDto } from './dto/login.dto';
import { LoginThrottle } from './login-throttle';
import { TokenService } from './token.service';
import { UsersService } from './users.service';

@Injectable()
export class AuthService {
  /** Verified against when the user does not exist, so both failures take the same time. */
  private readonly dummyHash = argon2.hash(randomBytes(16), { type: argon2.argon2id });

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
  ) {}

  /** `quota` is told the address's login attempts left (the RateLimit-* headers). */
  async login({ username, password }: LoginDto, ip: string, quota?: QuotaSink): Promise<LoginResultDto> {
    const attempt = await this.throttle.attempt(username, ip, quota);
    const user = await this.users.findForLogin(username);
    const ok = await argon2.verify(user?.passwordHash ?? (await this.dummyHash), password).catch(() => false);
    if (!user || !ok) {
      await attempt.failed();
      throw new Problem(HttpStatus.UNAUTHORIZED, 'login-failed', 'Unauthorized', {
        en: 'Unknown user name or wrong password',
        zh: '用户名不存在或密码错误',
      });
    }
    await attempt.succeeded();
    // Said only to whoever knows the password: a guesser learns nothing about the account.
    if (user.disabledAt) {
      throw new Problem(HttpStatus.FORBIDDEN, 'account-disabled', 'Forbidden', {
        en: 'This account has been disabled; ask an administrator to enable it',
        zh: '此账户已停用，请联系管理员启用',
      });
    }
    const accessToken = await this.tokens.sign(
      {
        userId: user.id,
        username: user.username,
        role: user.role,
        departmentCode: user.departmentCode,
        districtCode: user.districtCode,
        institutionId: user.institutionId,
        uscc: user.uscc,
      },
      user.tokenVersion,
    );
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      user: { username: user.username, role: user.role, departmentCode: user.departmentCode },
    };
  }
}
