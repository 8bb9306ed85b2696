import { Module } from '@nestjs/common';
import { BlacklistModule } from '../blacklist/blacklist.module';
import { DisclosureModule } from '../disclosure/disclosure.module';
import { RegistryModule } from '../registry/registry.module';
import { StatsModule } from '../stats/stats.module';
import { PagesController } from './pages.controller';

export const webControllers = [PagesController];

/**
 * The public web pages at `/`: server-rendered HTML over the disclosure and stats services,
 * Chinese by default with an English switch, no script.
 */
@Module({
  imports: [DisclosureModule, RegistryModule, BlacklistModule, StatsModule],
})
export class WebModule {}
