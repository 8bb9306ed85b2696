import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessCheck } from './access.check';
import { AccessGuard } from './access.guard';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { TokenService } from './token.service';
import { User } from './user.entity';
import { UsersService } from './users.service';

export const identityControllers = [AuthController];

/** Users, logins and the access guard that every route passes through. */
@Module({
  imports: [TypeOrmModule.forFeature([User]), DiscoveryModule],
  providers: [TokenService, UsersService, AuthService, AccessCheck, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenService, UsersService, AuthService],
})
export class IdentityModule {}
