import type { CheckpointKeys } from '../../audit/checkpoint';
import { ReportKeysRepository } from './report-keys.repository';

/** Every report-signing key's public half, retired or not, as /.well-known/jwks.json serves them. */
export const reportKeySet: CheckpointKeys = (manager) => ReportKeysRepository.keySet(manager);
