import { Module } from '@nestjs/common';
import { BlacklistModule } from '../blacklist/blacklist.module';
import { ClassificationModule } from '../classification/classification.module';
import { DisclosureModule } from '../disclosure/disclosure.module';
import { IdentityModule } from '../identity/identity.module';
import { ImportsModule } from '../imports/imports.module';
import { RecordsModule } from '../records/records.module';
import { RegistryModule } from '../registry/registry.module';
import { SharingModule } from '../sharing/sharing.module';
import { StatsModule } from '../stats/stats.module';
import { ConsoleBlacklistController } from './console/blacklist.controller';
import { ConsoleCounts, ConsolePages } from './console/console-pages';
import { ConsoleProblemFilter } from './console/console.filter';
import { ConsoleImportsController } from './console/imports.controller';
import { ConsoleCorrectionsController } from './console/corrections.controller';
import { ConsoleRuleSetsController } from './console/rule-sets.controller';
import { EnterpriseFiles } from './console/enterprise-file';
import { ConsoleEnterprisesController } from './console/enterprises.controller';
import { ConsoleRecordsController } from './console/records.controller';
import { ConsoleEnterpriseRegisterController, ConsoleUsccAllowListController } from './console/registry.controller';
import { ConsoleTodoController } from './console/todo.controller';
import { ConsoleAdminInstitutionsController } from './console/admin-institutions.controller';
import { ConsoleAdminSettingsController } from './console/admin-settings.controller';
import { ConsoleAdminUsersController } from './console/admin-users.controller';
import { ConsoleOperationsController } from './console/operations.controller';
import { ConsoleAuditLogController } from './console/audit-log.controller';
import { ConsoleNotFoundController } from './console/not-found.controller';
import { TodoService } from './console/todo.service';
import { InstitutionBatchController } from './portal/institution-batch.controller';
import { InstitutionLookupController } from './portal/institution-lookup.controller';
import { InstitutionQueriesController } from './portal/institution-queries.controller';
import { InstitutionWatchlistController } from './portal/institution-watchlist.controller';
import { BlacklistDocuments } from './console/blacklist-documents';
import { EnterprisePortalController } from './portal/enterprise/enterprise-portal.controller';
import { EnterprisePortal } from './portal/enterprise/enterprise-portal.service';
import { EnterprisePortalNotFoundController, InstitutionPortalNotFoundController } from './portal/not-found.controller';
import { InstitutionKeysController } from './portal/institution-keys.controller';
import { InstitutionWebhooksController } from './portal/institution-webhooks.controller';
import { CorrectionsPagesController } from './corrections.controller';
import { GuidesController } from './guides.controller';
import { PublicHome } from './home';
import { PagesController } from './pages.controller';
import { ReportPagesController } from './report-pages.controller';
import { SessionController } from './session.controller';
import { WebSession } from './session';

/** The staff console's pages under `/console` (cookie session, `@Access` per route). */
export const consoleControllers = [
  ConsoleTodoController,
  ConsoleRuleSetsController,
  ConsoleCorrectionsController,
  ConsoleBlacklistController,
  ConsoleEnterprisesController,
  ConsoleRecordsController,
  ConsoleImportsController,
  ConsoleAdminSettingsController,
  ConsoleAdminUsersController,
  ConsoleAdminInstitutionsController,
  ConsoleAuditLogController,
  ConsoleEnterpriseRegisterController,
  ConsoleUsccAllowListController,
  ConsoleOperationsController,
  // Last: any other address under /console.
  ConsoleNotFoundController,
];

/**
 * The enterprise's and the institution's portals under `/portal/…` (the console's frame and
 * session, `@Access('enterprise')` or `@Access('institution')` per route).
 */
export const portalControllers = [
  InstitutionLookupController,
  InstitutionBatchController,
  InstitutionWatchlistController,
  InstitutionQueriesController,
  InstitutionKeysController,
  InstitutionWebhooksController,
  EnterprisePortalController,
  // Last: any other address under /portal/enterprise or /portal/institution.
  EnterprisePortalNotFoundController,
  InstitutionPortalNotFoundController,
];

/** Every page signed in by the session cookie: the staff console and the two portals. */
export const sessionPageControllers = [...consoleControllers, ...portalControllers];

export const webControllers = [
  PagesController,
  ReportPagesController,
  GuidesController,
  CorrectionsPagesController,
  SessionController,
  ...sessionPageControllers,
];

/**
 * The web pages at `/`: server-rendered HTML over the disclosure and stats services, Chinese by
 * default with an English switch, no script. Public, except the statistics, which are for staff
 * signed in through `/login` (WebSession).
 */
@Module({
  imports: [
    DisclosureModule,
    RegistryModule,
    BlacklistModule,
    StatsModule,
    IdentityModule,
    ClassificationModule,
    RecordsModule,
    SharingModule,
    ImportsModule,
  ],
  providers: [
    WebSession,
    PublicHome,
    ConsolePages,
    ConsoleProblemFilter,
    EnterpriseFiles,
    BlacklistDocuments,
    EnterprisePortal,
    TodoService,
    // The navigation's counts are the to-do's.
    { provide: ConsoleCounts, useExisting: TodoService },
  ],
  exports: [WebSession, PublicHome, ConsolePages, EnterpriseFiles, BlacklistDocuments, EnterprisePortal, TodoService],
})
export class WebModule {}
