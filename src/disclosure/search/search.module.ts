import { Module } from '@nestjs/common';
import { OpenDataModule } from '../open-data/open-data.module';
import { PublicEnterprisesController } from './public-enterprises.controller';
import { PublicEnterprisesService } from './public-enterprises.service';

export const searchControllers = [PublicEnterprisesController];

/** Public search of enterprises and their public pages (names, codes, disclosed records, active entries). */
@Module({
  imports: [OpenDataModule],
  providers: [PublicEnterprisesService],
  exports: [PublicEnterprisesService],
})
export class SearchModule {}
