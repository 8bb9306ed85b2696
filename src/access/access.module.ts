import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccessCheck } from './access.check';

/**
 * Who may call what: the @Access declarations, and the start-up check that every route has one.
 * The guard that enforces them is installed by `identity`, which provides its Credentials.
 */
@Module({ imports: [DiscoveryModule], providers: [AccessCheck] })
export class AccessModule {}
