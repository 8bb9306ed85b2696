import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { District } from './district.entity';
import { Enterprise } from './enterprise.entity';
import { EnterprisesController } from './enterprises.controller';
import { EnterprisesService } from './enterprises.service';
import { ReferenceController } from './reference.controller';
import { ReferenceService } from './reference.service';
import { UsccAllowListController } from './uscc-allowlist.controller';
import { UsccAllowListEntry } from './uscc-allowlist.entity';
import { UsccAllowListService } from './uscc-allowlist.service';
import { UsccConstraint } from './uscc.constraint';
import { DistrictsRepository } from './districts.repository';
import { EnterprisesRepository } from './enterprises.repository';
import { UsccAllowListRepository } from './uscc-allowlist.repository';

export const registryControllers = [EnterprisesController, ReferenceController, UsccAllowListController];

/** The enterprise register, its districts, and the allow-list of legacy credit codes. */
@Module({
  imports: [TypeOrmModule.forFeature([Enterprise, District, UsccAllowListEntry])],
  providers: [
    EnterprisesRepository,
    DistrictsRepository,
    UsccAllowListRepository,
    EnterprisesService,
    ReferenceService,
    UsccAllowListService,
    UsccConstraint,
  ],
  exports: [
    EnterprisesService,
    DistrictsRepository,
    EnterprisesRepository,
    ReferenceService,
    UsccAllowListService,
    UsccConstraint,
  ],
})
export class RegistryModule {}
