import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import createClient from 'openapi-fetch';
import type { OpenAPIObject } from '@nestjs/swagger';
import { CLIENT_TYPES_FILE, clientTypesText, OPENAPI_FILE, openApiText } from '../../../src/cli/openapi';
import { isOpen } from '../../../src/access/access.decorator';
import { operationsOf } from '../../../src/openapi';
import type { paths } from '../../client/registry-api';
import { TestClock } from '../../helpers/clock';
import { blacklistEntry, enterprise, regulator, user } from '../../helpers/factories';
import { CODES, createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

const ROOT = join(__dirname, '..', '..', '..');
const STALE = 'differs from the running app: run `npm run openapi` and commit the result';

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  items?: Schema;
  example?: unknown;
  properties?: Record<string, Schema>;
};

/** The integrator's kit: the committed document is the running app's, valid, complete, and a generated client works. */
describe('the OpenAPI document and a client generated from it', () => {
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z'));
  let t: TestApp;
  let served: OpenAPIObject;

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    served = (await t.request({ method: 'GET', url: '/docs-json' })).json();
  });
  afterAll(() => t.close());

  it('is committed as openapi.json exactly as the running app serves it, with the client types generated from it', async () => {
    const committed = readFileSync(join(ROOT, OPENAPI_FILE), 'utf8');
    expect({ 'openapi.json': openApiText(served) === committed ? 'current' : STALE }).toEqual({
      'openapi.json': 'current',
    });
    const types = readFileSync(join(ROOT, CLIENT_TYPES_FILE), 'utf8');
    expect({ [CLIENT_TYPES_FILE]: clientTypesText(served) === types ? 'current' : STALE }).toEqual({
      [CLIENT_TYPES_FILE]: 'current',
    });
    // The page people read is still there.
    expect((await t.request({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
  });

  it('validates with swagger-parser', async () => {
    await expect(SwaggerParser.validate(structuredClone(served) as never)).resolves.toMatchObject({
      openapi: expect.stringMatching(/^3\./),
    });
  });

  it('names every operation with a unique camelCase operationId, never Controller_method', () => {
    const ids = operationsOf(served).map(({ method, path, operation }) => ({
      route: `${method.toUpperCase()} ${path}`,
      operationId: operation.operationId,
    }));
    expect(ids.length).toBeGreaterThan(80);
    expect(ids.filter(({ operationId }) => !/^[a-z][a-zA-Z0-9]*$/.test(operationId ?? ''))).toEqual([]);
    const seen = new Map<string, string>();
    const duplicates = ids.filter(({ route, operationId }) => {
      const first = seen.get(operationId!);
      seen.set(operationId!, first ?? route);
      return first !== undefined;
    });
    expect(duplicates).toEqual([]);
    const byRoute = Object.fromEntries(ids.map(({ route, operationId }) => [route, operationId]));
    expect(byRoute).toMatchObject({
      'GET /api/v1/credit-status/{uscc}': 'getCreditStatus',
      'POST /api/v1/credit-status/batch': 'screenCreditStatusBatch',
      'GET /api/v1/feed': 'listFeed',
    });
  });

  it('describes every error response as problem+json with the Problem schema, by status', () => {
    const wrong: string[] = [];
    for (const { method, path, operation } of operationsOf(served)) {
      const route = `${method.toUpperCase()} ${path}`;
      const responses = operation.responses as Record<string, { content?: Record<string, { schema?: Schema }> }>;
      const grants = (operation as { 'x-access'?: string[] })['x-access'] ?? [];
      const expected = ['default'];
      if (operation.parameters?.length || operation.requestBody) expected.push('400');
      if (!isOpen(grants as never)) expected.push('401', '403');
      if (path.includes('{')) expected.push('404');
      if (grants.some((g) => g === 'public' || g === 'login' || g.startsWith('scope:'))) expected.push('429');
      for (const status of expected) if (!responses[status]) wrong.push(`${route}: no ${status}`);
      for (const [status, response] of Object.entries(responses)) {
        if (!(status === 'default' || Number(status) >= 400)) continue;
        const schema = response.content?.['application/problem+json']?.schema;
        if (schema?.$ref !== '#/components/schemas/Problem' || Object.keys(response.content ?? {}).length !== 1)
          wrong.push(`${route} ${status}: ${JSON.stringify(response.content)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has an example on every property of every schema and on every parameter', () => {
    // A property that is another schema (or a list of one) shows that schema's examples.
    const composed = (s: Schema) => !!(s.$ref || s.allOf || s.items?.$ref || s.items?.allOf);
    const missing: string[] = [];
    for (const [name, schema] of Object.entries(served.components!.schemas as Record<string, Schema>)) {
      for (const [property, s] of Object.entries(schema.properties ?? {})) {
        if (!composed(s) && s.example === undefined && s.items?.example === undefined)
          missing.push(`${name}.${property}`);
      }
    }
    for (const { method, path, operation } of operationsOf(served)) {
      for (const p of (operation.parameters ?? []) as {
        name: string;
        in: string;
        example?: unknown;
        schema?: Schema;
      }[])
        if (p.example === undefined && p.schema?.example === undefined)
          missing.push(`${method.toUpperCase()} ${path} ${p.in} ${p.name}`);
    }
    expect(missing).toEqual([]);
  });

  describe('a client generated with openapi-typescript, called with openapi-fetch', () => {
    let client: ReturnType<typeof createClient<paths>>;
    let entryId: string;

    beforeAll(async () => {
      await enterprise(t.app, CODES.wenzhouLike);
      await enterprise(t.app, CODES.beijing, { name: '龙湾测试鞋业有限公司', districtCode: '330303' });
      const proposer = await regulator(t.app, 'amr.kit.proposer', { departmentCode: 'AMR' });
      const reviewer = await user(t.app, { username: 'amr.kit.reviewer', role: 'reviewer', departmentCode: 'AMR' });
      entryId = (await blacklistEntry(t.app, { proposer, reviewer, clock }, CODES.wenzhouLike, 'published')).id;
      const admin = await t.loginAdmin();
      const { key } = await createKey(t, admin, ['status:read', 'batch:read', 'feed:read']);
      // Over a real socket, as an integrator's program calls it.
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      client = createClient<paths>({ baseUrl: await t.app.getUrl(), headers: { 'X-API-Key': key } });
    });

    it('looks up one enterprise, and reads a refusal as a typed Problem', async () => {
      const { data, error, response } = await client.GET('/api/v1/credit-status/{uscc}', {
        params: { path: { uscc: CODES.wenzhouLike }, query: { purpose: 'loan_application' } },
      });
      expect(response.status).toBe(200);
      expect(error).toBeUndefined();
      expect({
        uscc: data?.uscc,
        name: data?.name,
        districtCode: data?.districtCode,
        blacklisted: data?.blacklisted,
        entries: data?.blacklistEntries.map((e) => ({ id: e.id, reasonCode: e.reasonCode })),
      }).toEqual({
        uscc: CODES.wenzhouLike,
        name: '温州市鹿城阀门有限公司',
        districtCode: '330302',
        blacklisted: true,
        entries: [{ id: entryId, reasonCode: 'substandard_products' }],
      });

      const unknown = await client.GET('/api/v1/credit-status/{uscc}', {
        params: { path: { uscc: CODES.shenzhen }, query: { purpose: 'tax_assessment' } },
      });
      expect(unknown.data).toBeUndefined();
      expect(unknown.response.headers.get('content-type')).toContain('application/problem+json');
      expect({ status: unknown.error?.status, code: unknown.error?.code, detail: unknown.error?.detail }).toEqual({
        status: 404,
        code: 'not-found',
        detail: `Enterprise ${CODES.shenzhen} does not exist`,
      });
    });

    it('screens a batch: statuses in request order, unknown and invalid codes apart', async () => {
      const { data, response } = await client.POST('/api/v1/credit-status/batch', {
        body: { purpose: 'loan_review', usccs: [CODES.beijing, CODES.shenzhen, 'not-a-code', CODES.wenzhouLike] },
      });
      expect(response.status).toBe(200);
      expect({
        results: data?.results.map((r) => [r.uscc, r.blacklisted]),
        notFound: data?.notFound,
        invalid: data?.invalid,
      }).toEqual({
        results: [
          [CODES.beijing, false],
          [CODES.wenzhouLike, true],
        ],
        notFound: [CODES.shenzhen],
        invalid: ['not-a-code'],
      });
    });

    it('follows the feed to the publication', async () => {
      const published = await until('the publication in the feed', async () => {
        const { data } = await client.GET('/api/v1/feed', { params: { query: { after: 0, limit: 100 } } });
        return data?.events.find((e) => e.type === 'blacklist.published' && e.uscc === CODES.wenzhouLike);
      });
      expect(published.data).toMatchObject({ entryId, reasonCode: 'substandard_products' });
      const { data } = await client.GET('/api/v1/feed', { params: { query: { after: published.seq, limit: 1 } } });
      expect(data?.nextAfter).toBeGreaterThanOrEqual(published.seq);
    });

    it('gets answers whose problems match the Problem schema', async () => {
      const problem = served.components!.schemas!.Problem as Record<string, unknown>;
      const fieldError = served.components!.schemas!.ProblemFieldError;
      const validate = new Ajv({ strict: false }).compile({
        ...problem,
        properties: {
          ...(problem.properties as object),
          errors: { type: 'array', items: fieldError },
        },
      });
      const bad = await client.POST('/api/v1/credit-status/batch', {
        body: { purpose: 'curiosity' as 'other', usccs: [] },
      });
      expect(bad.response.status).toBe(400);
      expect({ valid: validate(bad.error), errors: validate.errors }).toEqual({ valid: true, errors: null });
      expect(bad.error?.errors?.map((e) => e.field)).toContain('purpose');
      const anonymous = await fetch(`${await t.app.getUrl()}/api/v1/feed`);
      const body = (await anonymous.json()) as { code: string };
      expect({ status: anonymous.status, valid: validate(body), code: body.code }).toEqual({
        status: 401,
        valid: true,
        code: 'unauthorized',
      });
    });
  });
});
