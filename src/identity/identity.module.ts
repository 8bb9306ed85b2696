import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RegistryModule } from '../registry/registry.module';
import { AccessModule } from '../access/access.module';
import { Credentials } from '../access/credentials';
import { AccessGuard } from '../access/access.guard';
import { ApiKey } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { Department } from './department.entity';
import { DepartmentsController } from './departments.controller';
import { DepartmentsService } from './departments.service';
import { IdentityCredentials } from './identity-credentials';
import { Institution } from './institution.entity';
import { InstitutionsController } from './institutions.controller';
import { InstitutionsService } from './institutions.service';
import { LoginThrottle } from './login-throttle';
import { TokenService } from './token.service';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { ApiKeysRepository } from './api-keys.repository';
import { DepartmentsRepository } from './departments.repository';
import { InstitutionsRepository } from './institutions.repository';
import { UsersRepository } from './users.repository';

export const identityControllers = [AuthController, UsersController, InstitutionsController, DepartmentsController];

/**
 * Who is who: departments, users and their roles, institutions and their API keys, logins,
 * and the access guard that every route passes through.
 */
@Module({
  imports: [TypeOrmModule.forFeature([User, Department, Institution, ApiKey]), AccessModule, RegistryModule],
  providers: [
    UsersRepository,
    DepartmentsRepository,
    InstitutionsRepository,
    ApiKeysRepository,
    TokenService,
    UsersService,
    AuthService,
    LoginThrottle,
    DepartmentsService,
    InstitutionsService,
    ApiKeysService,
    { provide: Credentials, useClass: IdentityCredentials },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [
    UsersRepository,
    DepartmentsRepository,
    InstitutionsRepository,
    TokenService,
    UsersService,
    AuthService,
    DepartmentsService,
    InstitutionsService,
    ApiKeysService,
  ],
})
export class IdentityModule {}
