import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { acceptsForm, routeJsonLimits } from './body-limit';
import { noteBodyDigest } from './body-digest';
import { Problem } from './problem';
import { sendProblem } from './problem.filter';
import { decodeFormText } from './query-string';

/**
 * What a JSON body may hold, checked before it is parsed: nothing here nests deeper than a few
 * levels, and no DTO has nested objects in bulk, yet the validation pipe walks every value of a
 * body (class-transformer copies it), about 12 µs an object, before any field is checked.
 */
export interface JsonLimits {
  /** Arrays and objects within one another. */
  depth: number;
  /** Arrays and objects in the whole body. */
  containers: number;
  /** Array elements and object members in the whole body. */
  values: number;
  /**
   * Members of any one object: class-transformer's copy of an object costs time quadratic in its
   * key count (80 000 keys took 3.4 s), and unknown fields are refused only after it. No DTO has
   * more than a few dozen fields; long lists (a watchlist's codes) are arrays, which `values` governs.
   */
  objectMembers: number;
}

export const JSON_LIMITS: JsonLimits = { depth: 32, containers: 1_000, values: 20_000, objectMembers: 100 };

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/**
 * The first of `limits` that a JSON text passes, as a message, or null; counted byte by byte
 * without parsing, and stopped at once, so a megabyte of `[[[[…` costs one linear scan, never a
 * deep recursion. Strings are skipped (with their escapes); the bytes of multi-byte UTF-8
 * characters never equal these ASCII ones. Values are counted by their separating commas, and
 * so are the members of each open object (one counter per level, at most `depth` of them).
 * Written by hand: JSON.parse and secure-json-parse have no such limits.
 */
export function exceededJsonLimit(body: Uint8Array, limits: JsonLimits): string | null {
  let depth = 0;
  let containers = 0;
  let values = 1;
  let inString = false;
  // For each open container: its members so far if it is an object, -1 if it is an array.
  const members: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === COMMA) {
      if (++values > limits.values) return `holds more than ${limits.values} values`;
      if (depth > 0 && members[depth - 1] >= 0 && ++members[depth - 1] > limits.objectMembers) {
        return `holds an object of more than ${limits.objectMembers} members`;
      }
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > limits.depth) return `nests deeper than ${limits.depth} arrays or objects`;
      if (++containers > limits.containers) return `holds more than ${limits.containers} arrays or objects`;
      members[depth - 1] = byte === OPEN_BRACE ? 1 : -1;
    } else if ((byte === CLOSE_BRACKET || byte === CLOSE_BRACE) && depth > 0) {
      depth--;
    }
  }
  return null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * JSON bodies: refused with 400 when they pass JSON_LIMITS (or the route's own) or are not valid
 * UTF-8 (Fastify's own parser would store U+FFFD in their place), then parsed by Fastify's
 * default parser (secure-json-parse: `__proto__` and `constructor.prototype` refused, its error
 * codes kept). The route's body limit applies as before.
 */
function useStrictJsonParser(adapter: FastifyAdapter): void {
  // Nest's parsers (JSON and urlencoded forms) as app.init would register them, then ours for both.
  adapter.registerParserMiddleware();
  const fastify = adapter.getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer, done: ParserDone) => {
      // The raw bytes' digest, for a request that must not be repeated (src/idempotency).
      if (request.headers['idempotency-key'] !== undefined) noteBodyDigest(request, body);
      const exceeded = exceededJsonLimit(body, { ...JSON_LIMITS, ...routeJsonLimits(request) });
      if (exceeded) return done(Problem.validation([{ field: 'body', message: exceeded }]));
      let text: string;
      try {
        text = strictUtf8.decode(body);
      } catch {
        return done(Problem.validation([{ field: 'body', message: 'is not valid UTF-8' }]));
      }
      parse(request, text, done);
    },
  );
}

/** What a form body may hold: the site's forms post at most three fields, a report the longest. */
export const FORM_LIMITS = { bytes: 262_144, fields: 16 };

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/**
 * A form body's fields (a name given twice gives an array), or a 400 Problem naming `body` when
 * it has more than FORM_LIMITS.fields fields or is not valid UTF-8 (raw or percent-encoded).
 * Written by hand: fast-querystring (Nest's parser) and URLSearchParams put U+FFFD for invalid
 * UTF-8 and take any number of fields; qs keeps the undecoded text.
 */
export function parseForm(body: Buffer): Record<string, string | string[]> {
  const refuse = (message: string) => Problem.validation([{ field: 'body', message }]);
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw refuse('is not valid UTF-8');
  }
  const fields = new Map<string, string | string[]>();
  if (text === '') return {};
  // split's limit stops at one field too many, however many the body holds.
  const pairs = text.split('&', FORM_LIMITS.fields + 1);
  if (pairs.length > FORM_LIMITS.fields) throw refuse(`holds more than ${FORM_LIMITS.fields} fields`);
  for (const pair of pairs) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeFormText(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decodeFormText(pair.slice(equals + 1));
    if (name === null || value === null) throw refuse('is not valid percent-encoded UTF-8');
    const before = fields.get(name);
    if (before === undefined) fields.set(name, value);
    else if (Array.isArray(before)) before.push(value);
    else fields.set(name, [before, value]);
  }
  // fromEntries defines own properties: a field named __proto__ stays a field.
  return Object.fromEntries(fields);
}

/**
 * Form bodies: only routes marked @AcceptsForm() take them (415 elsewhere: Fastify's own answer
 * to a type no parser knows), parsed by parseForm within FORM_LIMITS.bytes. Replaces Nest's parser.
 */
function useStrictFormParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(FORM_CONTENT_TYPE);
  fastify.addContentTypeParser(
    FORM_CONTENT_TYPE,
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer, done: ParserDone) => {
      // Checked here rather than as the parser's bodyLimit, so that the API answers 415 to any form.
      if (!acceptsForm(request)) return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE());
      if (body.length > FORM_LIMITS.bytes) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      try {
        done(null, parseForm(body));
      } catch (error) {
        done(error as Error);
      }
    },
  );
}

/** Where the first string holding a NUL character sits in `value` (`a.b[2]`), or null. */
export function nulBytePath(value: unknown, root: string): string | null {
  const found = nulBytePathWithin(value);
  if (found === null) return null;
  return found.reduce<string>(
    (path, step) => (typeof step === 'number' ? `${path}[${step}]` : path ? `${path}.${step}` : step),
    root,
  );
}

/**
 * The steps to the first string holding a NUL, or null. Recursive but shallow: a JSON body is at
 * most JSON_LIMITS.depth deep (refused at parse time otherwise), forms and queries are flat. Paths
 * are built only for the one found, so a body of a million values costs no string per value.
 */
function nulBytePathWithin(value: unknown): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? [] : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' || typeof item === 'string') {
        const found = nulBytePathWithin(item);
        if (found) return [i, ...found];
      }
    }
    return null;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (key.includes('\u0000')) return [key];
    const found = nulBytePathWithin((value as Record<string, unknown>)[key]);
    if (found) return [key, ...found];
  }
  return null;
}

/**
 * No text field anywhere takes a NUL character (PostgreSQL cannot store one in text): a path
 * parameter, query parameter or body field holding one is refused with 400 naming it, on
 * every route (API and pages) before any handler or validation runs.
 */
function refuseNulBytes(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    const field =
      nulBytePath(request.params, '') ?? nulBytePath(request.query, '') ?? nulBytePath(request.body, 'body');
    if (field === null) return done();
    const path = field.startsWith('body.') ? field.slice(5) : field;
    sendProblem(reply, request, Problem.validation([{ field: path, message: 'must not contain a NUL character' }]));
  });
}

/** What every request's input must be before any route sees it. */
export function guardRequestInput(adapter: FastifyAdapter): void {
  useStrictJsonParser(adapter);
  useStrictFormParser(adapter.getInstance());
  refuseNulBytes(adapter.getInstance());
}
