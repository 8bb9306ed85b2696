import { Injectable } from '@nestjs/common';
import { Credentials } from '../access/credentials';
import { KeyPrincipal, UserPrincipal } from '../access/principal';
import { ApiKeysService } from './api-keys.service';
import { TokenService } from './token.service';

/** The access guard's credentials, checked against identity's tokens and API keys. */
@Injectable()
export class IdentityCredentials extends Credentials {
  constructor(
    private readonly tokens: TokenService,
    private readonly keys: ApiKeysService,
  ) {
    super();
  }

  apiKey(key: string): Promise<KeyPrincipal | null> {
    return this.keys.authenticate(key);
  }

  bearer(token: string): Promise<UserPrincipal | null> {
    return this.tokens.verify(token);
  }
}
