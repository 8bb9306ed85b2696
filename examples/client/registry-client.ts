/**
 * A typed client of the registry's API, generated from openapi.json: the types by
 * openapi-typescript (`npx openapi-typescript openapi.json -o registry-api.d.ts`; this repository
 * keeps them as test/client/registry-api.d.ts), the calls by openapi-fetch. `npm run typecheck`
 * compiles this file, so the snippet in docs/integration.md stays true to the document.
 *
 *   REGISTRY_API_KEY=qck_… npx tsx examples/client/registry-client.ts
 *
 * 由 openapi.json 生成类型的客户端示例：单户查询、批量筛查（带幂等键）、读取变更推送源。
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { paths } from '../../test/client/registry-api';

export function registryClient(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { 'X-API-Key': apiKey } });
}

export async function demo(baseUrl: string, apiKey: string): Promise<void> {
  const registry = registryClient(baseUrl, apiKey);

  // One lookup, with the purpose of the query.
  const { data: status, error } = await registry.GET('/api/v1/credit-status/{uscc}', {
    params: { path: { uscc: '91330100799655058B' }, query: { purpose: 'loan_review' } },
  });
  if (error) throw new Error(`${error.code}: ${error.detail}`); // a problem+json body
  console.log(status.name, status.grade, status.blacklisted);

  // A batch; the same Idempotency-Key sent again returns this answer, and nothing is logged twice.
  const { data: batch } = await registry.POST('/api/v1/credit-status/batch', {
    params: { header: { 'Idempotency-Key': randomUUID() } },
    body: { purpose: 'loan_review', usccs: ['91330100799655058B', '91110000802100433B'] },
  });
  console.log(batch?.results.length, 'found;', batch?.notFound.length, 'unknown');

  // The change feed, page by page from the start.
  let after = 0;
  for (;;) {
    const { data: page } = await registry.GET('/api/v1/feed', { params: { query: { after, limit: 100 } } });
    if (!page || page.events.length === 0) break;
    for (const event of page.events) console.log(event.seq, event.type, event.uscc);
    after = page.nextAfter;
  }
}

if (require.main === module) {
  demo(process.env.REGISTRY_URL ?? 'http://localhost:3000', process.env.REGISTRY_API_KEY ?? '').catch((e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  });
}
