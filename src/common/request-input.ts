import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from './problem';
import { sendProblem } from './problem.filter';

/** No request body of this API nests deeper than a few levels; anything past this is refused unread. */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * How deep the arrays and objects of a JSON text nest, counted byte by byte without parsing;
 * stops counting (and answers `limit + 1`) as soon as `limit` is passed. Iterative, so a
 * megabyte of `[[[[…` costs one linear scan, never a deep recursion. Strings are skipped (with
 * their escapes); the bytes of multi-byte UTF-8 characters never equal these ASCII ones.
 * Written by hand: JSON.parse and secure-json-parse have no depth limit.
 */
export function jsonDepth(body: Uint8Array, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return deepest;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * JSON bodies: refused with 400 when they nest deeper than MAX_JSON_DEPTH or are not valid
 * UTF-8 (Fastify's own parser would store U+FFFD in their place), then parsed by Fastify's
 * default parser (secure-json-parse: `__proto__` and `constructor.prototype` refused, its error
 * codes kept). The route's body limit applies as before.
 */
function useStrictJsonParser(adapter: FastifyAdapter): void {
  // Nest's parsers (JSON and urlencoded forms) as app.init would register them, then ours for JSON.
  adapter.registerParserMiddleware();
  const fastify = adapter.getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer, done: ParserDone) => {
      if (jsonDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        return done(
          Problem.validation([{ field: 'body', message: `nests deeper than ${MAX_JSON_DEPTH} arrays or objects` }]),
        );
      }
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

/** Where the first string holding a NUL character sits in `value` (`a.b[2]`), or null. */
export function nulBytePath(value: unknown, root: string): string | null {
  // Iterative: a JSON body is at most MAX_JSON_DEPTH deep, but a query or form is not parsed by us.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return path;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}[${i}]`]);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        const at = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return at;
        stack.push([child, at]);
      }
    }
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
  refuseNulBytes(adapter.getInstance());
}
