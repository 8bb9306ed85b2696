import { Module } from '@nestjs/common';
import { BlacklistModule } from '../../blacklist/blacklist.module';
import { IdentityModule } from '../../identity/identity.module';
import { RecordsModule } from '../../records/records.module';
import { RegistryModule } from '../../registry/registry.module';
import { OpenDataModule } from '../open-data/open-data.module';
import { PublicEnterprisesController } from './public-enterprises.controller';
import { PublicEnterprisesService } from './public-enterprises.service';
import { PublicSearchRepository } from './public-search.repository';

export const searchControllers = [PublicEnterprisesController];

/** Public search of enterprises and their public pages (names, codes, disclosed records, active entries). */
@Module({
  imports: [OpenDataModule, RegistryModule, RecordsModule, IdentityModule, BlacklistModule],
  providers: [PublicSearchRepository, PublicEnterprisesService],
  exports: [PublicEnterprisesService],
})
export class SearchModule {}
