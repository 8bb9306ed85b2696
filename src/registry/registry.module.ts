import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Department } from './department.entity';
import { District } from './district.entity';
import { Enterprise } from './enterprise.entity';
import { EnterprisesController } from './enterprises.controller';
import { EnterprisesService } from './enterprises.service';
import { ReferenceController } from './reference.controller';
import { ReferenceService } from './reference.service';

export const registryControllers = [EnterprisesController, ReferenceController];

/** The enterprise register and its reference data (districts, departments). */
@Module({
  imports: [TypeOrmModule.forFeature([Enterprise, District, Department])],
  providers: [EnterprisesService, ReferenceService],
  exports: [EnterprisesService, ReferenceService],
})
export class RegistryModule {}
