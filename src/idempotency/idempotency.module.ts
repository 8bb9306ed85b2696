import { Module } from '@nestjs/common';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';
import { IdempotencyInterceptor, IdempotencyKeys } from './idempotency';

/**
 * Idempotency-Key for the API's POSTs that must not run twice (a webhook subscription, an
 * import, a batch screening): `@Idempotent()` on the route; the keys and first answers live in
 * idempotency_keys for 24 hours. Bootstrap installs the hook that keeps each answer as it is sent.
 */
@Module({
  providers: [IdempotencyKeysRepository, IdempotencyKeys, IdempotencyInterceptor],
  exports: [IdempotencyKeys, IdempotencyInterceptor],
})
export class IdempotencyModule {}
