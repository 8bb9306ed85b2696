import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RegistryModule } from '../registry/registry.module';
import { AccessCheck } from './access.check';
import { AccessGuard } from './access.guard';
import { ApiKey } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { Department } from './department.entity';
import { DepartmentsController } from './departments.controller';
import { DepartmentsService } from './departments.service';
import { Institution } from './institution.entity';
import { InstitutionsController } from './institutions.controller';
import { InstitutionsService } from './institutions.service';
import { LoginThrottle } from './login-throttle';
import { TokenService } from './token.service';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

export const identityControllers = [AuthController, UsersController, InstitutionsController, DepartmentsController];

/**
 * Who is who: departments, users and their roles, institutions and their API keys, logins,
 * and the access guard that every route passes through.
 */
@Module({
  imports: [TypeOrmModule.forFeature([User, Department, Institution, ApiKey]), DiscoveryModule, RegistryModule],
  providers: [
    TokenService,
    UsersService,
    AuthService,
    LoginThrottle,
    DepartmentsService,
    InstitutionsService,
    ApiKeysService,
    AccessCheck,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [TokenService, UsersService, AuthService, DepartmentsService, InstitutionsService, ApiKeysService],
})
export class IdentityModule {}
