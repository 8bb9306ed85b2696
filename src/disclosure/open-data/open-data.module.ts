import { Module } from '@nestjs/common';
import { PublicBlacklistController } from './public-blacklist.controller';
import { PublicBlacklistRepository } from './public-blacklist.repository';
import { PublicBlacklistService } from './public-blacklist.service';

export const openDataControllers = [PublicBlacklistController];

/** The public blacklist, its open data (CSV, JSON) and its Atom feed. */
@Module({
  providers: [PublicBlacklistRepository, PublicBlacklistService],
  exports: [PublicBlacklistService],
})
export class OpenDataModule {}
