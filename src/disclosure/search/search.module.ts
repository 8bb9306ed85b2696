import { Module } from '@nestjs/common';
import { PublicEnterprisesController } from './public-enterprises.controller';
import { PublicEnterprisesService } from './public-enterprises.service';

export const searchControllers = [PublicEnterprisesController];

/** Public search of enterprises and their public pages (names, codes, disclosed records, active entries). */
@Module({
  providers: [PublicEnterprisesService],
  exports: [PublicEnterprisesService],
})
export class SearchModule {}
