import { auditControllers } from './audit/audit.module';
import { blacklistControllers } from './blacklist/blacklist.module';
import { classificationControllers } from './classification/classification.module';
import { disclosureControllers } from './disclosure/disclosure.module';
import { HealthController } from './health/health.controller';
import { identityControllers } from './identity/identity.module';
import { importsControllers } from './imports/imports.module';
import { recordsControllers } from './records/records.module';
import { registryControllers } from './registry/registry.module';
import { sharingControllers } from './sharing/sharing.module';
import { statsControllers } from './stats/stats.module';
import { webControllers } from './web/web.module';

/** Every controller of the api role, in one list (ApiModule serves them; docs/access.md lists them). */
export const apiControllers = [
  ...identityControllers,
  ...registryControllers,
  ...recordsControllers,
  ...importsControllers,
  ...classificationControllers,
  ...blacklistControllers,
  ...sharingControllers,
  ...disclosureControllers,
  ...statsControllers,
  ...auditControllers,
];

/** The public web pages: HTML for people, outside the OpenAPI document and docs/access.md (all public). */
export const pageControllers = [...webControllers];

/** Controllers that both roles serve. */
export const operationsControllers = [HealthController];
