import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';
import { ReadReplicas, READS, readsDataSource } from './read-replicas';

/** The primary (TypeORM's default DataSource) and the replicas public reads may go to (READS). */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.appDatabaseUrl),
        // Entities are registered by the feature modules (forFeature), not by glob.
        entities: [],
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [ReadReplicas, { provide: READS, inject: [ReadReplicas], useFactory: readsDataSource }],
  exports: [ReadReplicas, READS],
})
export class DatabaseModule {}
