import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AccessGrant, isOpen } from './access/access.decorator';
import { PROBLEM_CONTENT_TYPE } from './common/problem';
import { describeWebhookCallbacks } from './sharing/webhooks/webhook-callbacks';

export function openApiConfig() {
  return new DocumentBuilder()
    .setTitle('Quality-credit registry')
    .setDescription(
      "Wenzhou's quality-credit registry: the enterprise register, credit records, A-D classification, " +
        'the product-quality blacklist, sharing with finance and tax, and public disclosure. ' +
        'Errors are application/problem+json (RFC 9457), the `Problem` schema. ' +
        'Each route names who may call it in `x-access`; its `operationId` is a stable name for generated clients.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
    .build();
}

/** The error body of every route (src/common/problem.ts, `Problem.toBody`), with the extensions some problems add. */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'RFC 9457 problem details. `detail` follows Accept-Language (English unless Chinese is preferred); ' +
    'switch on `code`, which never changes for a kind of error.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: {
      type: 'string',
      description: '`urn:quality-credit:problem:` followed by `code`',
      example: 'urn:quality-credit:problem:validation-failed',
    },
    title: { type: 'string', description: "the status's short name", example: 'Invalid request' },
    status: { type: 'integer', description: 'the HTTP status', example: 400 },
    detail: {
      type: 'string',
      description: 'what went wrong, for a person',
      example: 'Invalid: uscc',
    },
    code: {
      type: 'string',
      description:
        'stable machine-readable code (`validation-failed`, `not-found`, `illegal-transition`, `rate-limited`, …)',
      example: 'validation-failed',
    },
    requestId: {
      type: 'string',
      description: 'the X-Request-Id of the request; quote it when reporting a problem',
      example: '7b0f5c1e-3f2a-4c55-9a61-2d0c4b8e9f10',
    },
    errors: {
      type: 'array',
      description: 'on a 400: each refused field (at most 100)',
      items: { $ref: '#/components/schemas/ProblemFieldError' },
    },
    retryAfter: {
      type: 'integer',
      description: 'on a 429 or 503: seconds to wait before retrying (also in `Retry-After`)',
      example: 30,
    },
    checks: {
      type: 'object',
      description: "on /health/ready's 503: the state of each dependency",
      additionalProperties: true,
      example: { postgres: { status: 'up' }, redis: { status: 'down', message: 'connect ECONNREFUSED' } },
    },
    state: {
      type: 'string',
      description: "on a 409 from a blacklist move: the entry's current status",
      example: 'noticed',
    },
  },
  additionalProperties: true,
};

export const PROBLEM_FIELD_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['field', 'message'],
  properties: {
    field: { type: 'string', description: 'the refused field, as a path into the body or query', example: 'uscc' },
    message: { type: 'string', example: 'must be a valid unified social credit code' },
  },
};

const DESCRIPTIONS: Record<string, string> = {
  '400': 'invalid input: `errors` names each refused field',
  '401': 'no or invalid credentials',
  '403': 'the caller may not use this route (wrong role or scope, or another enterprise’s code)',
  '404': 'nothing at this address (an unknown code or id)',
  '409': 'conflicts with the current state',
  '413': 'the body is larger than this route accepts',
  '429': 'over the rate limit: retry after `Retry-After` seconds',
  '503': 'a dependency is out of service: retry after `Retry-After` seconds',
  default: 'any other error (500 names the requestId; 503 while the database cannot be reached)',
};

const RETRY_AFTER = {
  'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer', example: 30 } },
};

/** On every answer of a rate-limited route (src/common/rate-limit-headers.ts), errors included; in components/headers. */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': {
    description: 'requests allowed in the window (a minute): the API key’s limit, the public or the login limit',
    schema: { type: 'integer', example: 600 },
  },
  'RateLimit-Remaining': {
    description: 'requests left in this window',
    schema: { type: 'integer', example: 599 },
  },
  'RateLimit-Reset': { description: 'seconds until the window resets', schema: { type: 'integer', example: 42 } },
};
const RATE_LIMIT_HEADER_REFS = Object.fromEntries(
  Object.keys(RATE_LIMIT_HEADERS).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
);

/** Whether a limit applies: public routes (per address), the login (its throttle), API keys (per key). */
const rateLimited = (grants: AccessGrant[]): boolean =>
  grants.some((g) => g === 'public' || g === 'login' || g.startsWith('scope:'));

/**
 * The error statuses an operation can answer, by one rule each:
 * - 400 when it takes input (a parameter or a body);
 * - 401 and 403 unless it is open to everyone (`x-access`);
 * - 404 when its path names something (`{uscc}`, `{id}`, …);
 * - 413 when it takes a body (the server's body limit);
 * - 429 when a limit applies: public routes (per address), the login (its throttle), API keys (per key);
 * - whatever its decorators already declare (409 on state changes, 503 on readiness, …);
 * - `default` for the rest.
 */
export function errorStatuses(path: string, operation: OperationObject): string[] {
  const grants = (operation as { 'x-access'?: AccessGrant[] })['x-access'] ?? [];
  const statuses = new Set(Object.keys(operation.responses).filter((s) => /^[45]\d\d$/.test(s)));
  const takesInput = (operation.parameters?.length ?? 0) > 0 || !!operation.requestBody;
  if (takesInput) statuses.add('400');
  if (!isOpen(grants)) statuses.add('401').add('403');
  if (path.includes('{')) statuses.add('404');
  if (operation.requestBody) statuses.add('413');
  if (rateLimited(grants)) statuses.add('429');
  return [...[...statuses].sort(), 'default'];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** Every operation of the document, with its path. */
export function operationsOf(document: OpenAPIObject): { path: string; method: string; operation: OperationObject }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, operation: item[method]! })),
  );
}

/**
 * Puts the `Problem` schema on every error response of every operation (see `errorStatuses`), and
 * the RateLimit-* headers on every response of a rate-limited one.
 */
export function describeProblems(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    Problem: PROBLEM_SCHEMA,
    ProblemFieldError: PROBLEM_FIELD_ERROR_SCHEMA,
  };
  document.components.headers = { ...document.components.headers, ...RATE_LIMIT_HEADERS };
  for (const { path, operation } of operationsOf(document)) {
    const responses = operation.responses as Record<string, ResponseObject>;
    for (const status of errorStatuses(path, operation)) {
      responses[status] = {
        ...responses[status],
        description: responses[status]?.description || DESCRIPTIONS[status] || 'error',
        ...(status === '429' || status === '503' ? { headers: { ...responses[status]?.headers, ...RETRY_AFTER } } : {}),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    if (rateLimited((operation as { 'x-access'?: AccessGrant[] })['x-access'] ?? [])) {
      for (const response of Object.values(responses))
        response.headers = { ...response.headers, ...RATE_LIMIT_HEADER_REFS };
    }
  }
  return document;
}

/** On the success of an operation taking `Idempotency-Key` (src/idempotency): whether the answer is a replay. */
const REPLAYED_HEADER = {
  'Idempotency-Replayed': {
    description: '`true` when this is the first answer to the same request sent earlier with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'], example: 'true' },
  },
};

/** Says on the successes of every operation that honours `Idempotency-Key` that a replay carries `Idempotency-Replayed`. */
export function describeIdempotency(document: OpenAPIObject): OpenAPIObject {
  for (const { operation } of operationsOf(document)) {
    const takesKey = operation.parameters?.some(
      (p) => 'name' in p && p.name === 'Idempotency-Key' && p.in === 'header',
    );
    if (!takesKey) continue;
    for (const [status, response] of Object.entries(operation.responses as Record<string, ResponseObject>)) {
      if (/^2\d\d$/.test(status)) response.headers = { ...response.headers, ...REPLAYED_HEADER };
    }
  }
  return document;
}

/** The OpenAPI document of the api role: served at /docs-json, committed as openapi.json (`npm run openapi`). */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  return describeWebhookCallbacks(
    describeIdempotency(describeProblems(SwaggerModule.createDocument(app, openApiConfig()))),
  );
}
