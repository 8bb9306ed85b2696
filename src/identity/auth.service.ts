import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { Problem } from '../common/problem';
import { LoginDto, LoginResultDto } from './dto/login.dto';
import { TokenService } from './token.service';
import { UsersService } from './users.service';

@Injectable()
export class AuthService {
  /** Verified against when the user does not exist, so both failures take the same time. */
  private readonly dummyHash = argon2.hash(randomBytes(16), { type: argon2.argon2id });

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
  ) {}

  async login({ username, password }: LoginDto): Promise<LoginResultDto> {
    const user = await this.users.findForLogin(username);
    const ok = await argon2.verify(user?.passwordHash ?? (await this.dummyHash), password).catch(() => false);
    if (!user || !ok) throw Problem.unauthorized('Unknown user name or wrong password');
    const accessToken = await this.tokens.sign({
      userId: user.id,
      username: user.username,
      role: user.role,
      departmentCode: user.departmentCode,
      districtCode: user.districtCode,
      institutionId: null,
      uscc: user.uscc,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      user: { username: user.username, role: user.role, departmentCode: user.departmentCode },
    };
  }
}
