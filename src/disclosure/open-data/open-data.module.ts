import { Module } from '@nestjs/common';
import { PublicBlacklistController } from './public-blacklist.controller';
import { PublicBlacklistService } from './public-blacklist.service';

export const openDataControllers = [PublicBlacklistController];

/** The public blacklist, its open data (CSV, JSON) and its Atom feed. */
@Module({
  providers: [PublicBlacklistService],
  exports: [PublicBlacklistService],
})
export class OpenDataModule {}
