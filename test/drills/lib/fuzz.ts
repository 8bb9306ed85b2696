import fc from 'fast-check';
import { Actors } from './world';

/**
 * The bad-input fuzzer's cases, made from the app's own OpenAPI document (GET /docs-json): for
 * every operation a base request of plausible values (examples, enums, the drill's own
 * enterprise), then exactly one thing made wrong. Each case is drawn by fast-check from its own
 * seed (`seed + n`), so any case can be sent again alone.
 */

type Schema = {
  type?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  allOf?: Schema[];
  $ref?: string;
  additionalProperties?: unknown;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
type Operation = {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  'x-access'?: string[];
};

export interface Param {
  name: string;
  schema: Schema;
  required: boolean;
}

export interface Route {
  method: string;
  path: string;
  grants: string[];
  pathParams: Param[];
  query: Param[];
  body?: { kind: 'json'; schema: Schema } | { kind: 'multipart' };
}

const NUMERIC_QUERY = new Set(['page', 'pageSize', 'after', 'limit', 'year']);

function resolve(doc: Document, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.split('/').pop()!]);
  const properties = schema.properties
    ? Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(doc, v)]))
    : undefined;
  const items = schema.items ? resolve(doc, schema.items) : undefined;
  const { allOf: _allOf, ...rest } = schema;
  return { ...rest, ...(properties ? { properties } : {}), ...(items ? { items } : {}) };
}

export function routesOf(doc: Document): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(operations)) {
      const params = (where: string) =>
        (op.parameters ?? [])
          .filter((p) => p.in === where)
          .map((p) => ({ name: p.name, schema: resolve(doc, p.schema), required: p.required ?? false }));
      const content = op.requestBody?.content ?? {};
      routes.push({
        method: method.toUpperCase(),
        path,
        grants: op['x-access'] ?? ['public'],
        pathParams: params('path'),
        query: params('query'),
        body: content['application/json']
          ? { kind: 'json', schema: resolve(doc, content['application/json'].schema) }
          : content['multipart/form-data']
            ? { kind: 'multipart' }
            : undefined,
      });
    }
  return routes;
}

export const SAFE = new Set(['GET', 'HEAD']);

/** Routes with nothing to get wrong and an effect: sending them at all would change the data. */
export const hasInput = (r: Route) => r.pathParams.length > 0 || r.query.length > 0 || r.body !== undefined;

export type Mutation =
  | 'path:garbage'
  | 'query:garbage'
  | 'query:array'
  | 'query:bigArray'
  | 'query:junk'
  | 'body:wrongType'
  | 'body:missing'
  | 'body:extra'
  | 'body:hugeNumber'
  | 'body:nul'
  | 'body:deep'
  | 'body:deepField'
  | 'body:invalidUtf8'
  | 'body:bigArray'
  | 'body:notObject'
  | 'body:malformed'
  | 'multipart:bad';

export function mutationsOf(r: Route): Mutation[] {
  const kinds: Mutation[] = [];
  if (r.pathParams.length) kinds.push('path:garbage');
  if (r.query.length) kinds.push('query:garbage', 'query:array', 'query:bigArray');
  if (r.body?.kind === 'json') {
    const props = Object.keys(r.body.schema.properties ?? {});
    kinds.push('body:extra', 'body:deep', 'body:notObject', 'body:malformed', 'body:invalidUtf8');
    if (props.length) kinds.push('body:wrongType', 'body:hugeNumber', 'body:nul', 'body:deepField', 'body:bigArray');
    if (r.body.schema.required?.length) kinds.push('body:missing');
  }
  if (r.body?.kind === 'multipart') kinds.push('multipart:bad');
  if (!kinds.length && SAFE.has(r.method)) kinds.push('query:junk');
  return kinds;
}

/** A request ready to send, with what was made wrong. */
export interface Case {
  n: number;
  route: Route;
  credential: string;
  mutation: Mutation;
  url: string;
  token?: string;
  apiKey?: string;
  body?: Buffer;
  contentType?: string;
  /** Short description for a report (the body shortened). */
  shown: string;
}

const RAW = '@@RAW@@';
const UTF8 = '@@UTF8@@';

function baseValue(name: string, schema: Schema, actors: Actors): unknown {
  if (schema.enum?.length) return schema.enum[0];
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (/uscc/i.test(name)) return actors.uscc;
  switch (schema.type) {
    case 'number':
    case 'integer':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [baseValue(name, schema.items ?? {}, actors)];
    case 'object':
      return baseObject(schema, actors);
    default:
      return schema.format === 'date' ? '2026-03-15' : schema.format === 'uuid' ? crypto.randomUUID() : 'x';
  }
}

function baseObject(schema: Schema, actors: Actors): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema.properties ?? {}))
    if (schema.required?.includes(k) || k.length % 2 === 0) out[k] = baseValue(k, v, actors);
  return out;
}

function basePath(p: Param, actors: Actors): string {
  if (/uscc/i.test(p.name)) return actors.uscc;
  if (p.schema.example !== undefined) return String(p.schema.example);
  return '1';
}

const nulString = fc
  .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
  .map(([a, b]) => `${a}\u0000${b}`);
const invalidUtf8 = fc.constantFrom<number[]>(
  [0xff],
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xe4, 0xb8],
  [0xc0, 0xaf],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
);
const percent = (bytes: readonly number[]) =>
  bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
const pathGarbage = fc.oneof(
  fc.constantFrom(
    '%00',
    'a%00b',
    '999999999999999999999',
    '-1',
    '1.5',
    '1e999',
    'null',
    '..%2F..%2Fetc%2Fpasswd',
    '%20',
    'x'.repeat(3000),
    '91330100799655058B%00',
  ),
  invalidUtf8.map(percent),
  nulString.map((s) => encodeURIComponent(s)),
);
const numericQueryGarbage = fc.constantFrom(
  '999999999999999999999',
  '-5',
  '1.5',
  'abc',
  '0x10',
  'Infinity',
  'NaN',
  '%00',
  '1%002',
  '-999999999999999999999',
);

function typeOfValue(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return 'number';
  return typeof v;
}

function sameType(schema: Schema, v: unknown): boolean {
  const t = schema.type === 'integer' ? 'number' : schema.type;
  return typeOfValue(v) === t;
}

const anyJson = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.string({ maxLength: 10 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

function deep(depth: number, object: boolean): string {
  return object ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth);
}

const recipe = (route: Route) =>
  fc.record({
    mutation: fc.constantFrom(...mutationsOf(route)),
    which: fc.nat(1_000),
    nul: nulString,
    utf8: invalidUtf8,
    pathValue: pathGarbage,
    numeric: numericQueryGarbage,
    wrong: anyJson,
    huge: fc.constantFrom('999999999999999999999', '1e999', '-1e999', '-1', '1.5', '-999999999999999999999'),
    depth: fc.constantFrom(64, 1_000, 20_000, 100_000, 400_000),
    object: fc.boolean(),
    notObject: fc.constantFrom('[]', '[{}]', '1', '"x"', 'null', 'true'),
    // A byte-order mark before valid JSON is allowed (RFC 8259 §8.1: a parser may ignore it, and some
    // .NET clients send one), so the BOM case is a BOM before JSON that is broken in itself.
    malformed: fc.constantFrom('{', '{"a":1', '{"a":1}}', "{'a':1}", 'text/plain', '\uFEFF{"a":', '{"a":1,}'),
    extraKey: fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', '__lookupGetter__', 'isAdmin', 'id', 'x'),
    multipart: fc.constantFrom('no-file', 'bad-kind', 'no-kind', 'nul-kind', 'json', 'bad-mode', 'broken'),
  });

/** Case `n` against `route`, drawn from seed `seed + n`. */
export function makeCase(n: number, seed: number, route: Route, actors: Actors, credential: string): Case {
  const [r] = fc.sample(recipe(route), { seed: seed + n, numRuns: 1 });
  const tokens: Record<string, string | undefined> = {
    admin: actors.admin,
    regulator: actors.regulator,
    reviewer: actors.reviewer,
    institution: actors.institution,
    enterprise: actors.enterprise,
    'enterprise:own': actors.enterprise,
  };
  const auth = credential.startsWith('scope:') ? { apiKey: actors.apiKey } : { token: tokens[credential] };

  // Path and query: plausible, then perhaps one made wrong.
  const pathValues = Object.fromEntries(route.pathParams.map((p) => [p.name, encodeURIComponent(basePath(p, actors))]));
  if (r.mutation === 'path:garbage') pathValues[route.pathParams[r.which % route.pathParams.length].name] = r.pathValue;
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name]);
  const query: string[] = route.query
    .filter((p) => p.required)
    .map((p) => `${p.name}=${encodeURIComponent(String(baseValue(p.name, p.schema, actors)))}`);
  if (r.mutation.startsWith('query:') && route.query.length) {
    const p = route.query[r.which % route.query.length];
    const drop = (name: string) => query.splice(0, query.length, ...query.filter((q) => !q.startsWith(`${name}=`)));
    drop(p.name);
    const numeric = NUMERIC_QUERY.has(p.name) || p.schema.type === 'number';
    if (r.mutation === 'query:garbage')
      query.push(
        `${p.name}=${
          numeric
            ? r.numeric
            : p.schema.enum
              ? ['not_a_value', encodeURIComponent(r.nul), percent(r.utf8)][r.which % 3]
              : [encodeURIComponent(r.nul), percent(r.utf8)][r.which % 2]
        }`,
      );
    if (r.mutation === 'query:array') query.push(`${p.name}=1`, `${p.name}=2`);
    if (r.mutation === 'query:bigArray') for (let i = 0; i < 10_001; i++) query.push(`${p.name}=${i % 2}`);
  }
  if (r.mutation === 'query:junk') query.push(`fuzz=${encodeURIComponent(r.nul)}${percent(r.utf8)}`);
  const url = `${path}${query.length ? `?${query.join('&')}` : ''}`;

  let body: Buffer | undefined;
  let contentType: string | undefined;
  if (route.body?.kind === 'json') {
    const schema = route.body.schema;
    const props = Object.keys(schema.properties ?? {});
    const object: Record<string, unknown> = baseObject(schema, actors);
    const prop = props[r.which % Math.max(1, props.length)];
    const propSchema = schema.properties?.[prop] ?? {};
    let raw: string | undefined;
    let text: string | undefined;
    switch (r.mutation) {
      case 'body:wrongType': {
        const typed = sameType(propSchema, r.wrong) || (!propSchema.type && typeof r.wrong === 'string');
        // a value of another type; null only where the field is required (optional: null means absent)
        object[prop] = typed ? (schema.required?.includes(prop) ? null : { wrong: r.wrong }) : r.wrong;
        break;
      }
      case 'body:missing':
        delete object[schema.required![r.which % schema.required!.length]];
        break;
      case 'body:extra':
        object[r.extraKey] = r.wrong;
        if (r.extraKey === '__proto__') text = JSON.stringify(object).replace(/^\{/, `{"__proto__":{"admin":true},`);
        break;
      case 'body:hugeNumber':
        object[prop] = RAW;
        raw = r.huge;
        break;
      case 'body:nul':
        object[prop] = propSchema.type === 'array' ? [r.nul] : r.nul;
        break;
      case 'body:deep':
        text = deep(r.depth, r.object);
        break;
      case 'body:deepField':
        object[prop] = RAW;
        raw = deep(Math.min(r.depth, 100_000), r.object);
        break;
      case 'body:invalidUtf8':
        object[prop ?? 'x'] = propSchema.type === 'array' ? [UTF8] : UTF8;
        break;
      case 'body:bigArray': {
        const item = propSchema.type === 'array' ? baseValue(prop, propSchema.items ?? {}, actors) : 'x';
        object[prop] = [...Array.from({ length: 10_000 }, () => item), typeof item === 'number' ? 'x' : 1];
        break;
      }
      case 'body:notObject':
        text = r.notObject;
        break;
      case 'body:malformed':
        if (r.malformed === 'text/plain') contentType = 'text/plain';
        else text = r.malformed;
        break;
      default:
        break; // the wrong part is in the path or the query
    }
    text ??= JSON.stringify(object);
    if (raw !== undefined) text = text.replace(`"${RAW}"`, raw);
    const at = text.indexOf(UTF8);
    body =
      at >= 0
        ? Buffer.concat([
            Buffer.from(text.slice(0, at)),
            Buffer.from([0x61, ...r.utf8, 0x62]),
            Buffer.from(text.slice(at + UTF8.length)),
          ])
        : Buffer.from(text);
    contentType ??= 'application/json';
  }
  if (route.body?.kind === 'multipart') ({ body, contentType } = multipart(r.multipart, r.nul));

  const preview = body ? body.subarray(0, 160).toString('utf8').replace(/\0/g, '\\0') : '';
  return {
    n,
    route,
    credential,
    mutation: r.mutation,
    url: url,
    ...auth,
    body,
    contentType,
    shown: `${route.method} ${url.slice(0, 200)}${url.length > 200 ? '…' : ''} as ${credential} [${r.mutation}] ${preview}${body && body.length > 160 ? `… (${body.length} bytes)` : ''}`,
  };
}

/** An upload that is wrong in one way (a right one would start an import: a write). */
function multipart(how: string, nul: string): { body: Buffer; contentType: string } {
  if (how === 'json') return { body: Buffer.from('{"kind":"records"}'), contentType: 'application/json' };
  const boundary = '----drill' + Math.random().toString(16).slice(2);
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const file = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\nContent-Type: text/csv\r\n\r\nuscc,name,districtCode\r\n91330100799655058B,某某公司,330302\r\n\r\n`;
  const parts: Record<string, string> = {
    'no-file': field('kind', 'enterprises'),
    'bad-kind': field('kind', 'bogus') + file,
    'no-kind': file,
    'nul-kind': field('kind', `enterprises${nul}`) + file,
    'bad-mode': field('kind', 'enterprises') + field('mode', 'bogus') + file,
    broken: field('kind', 'enterprises') + file.slice(0, 60),
  };
  const tail = how === 'broken' ? '' : `--${boundary}--\r\n`;
  return { body: Buffer.from(parts[how] + tail), contentType: `multipart/form-data; boundary=${boundary}` };
}
