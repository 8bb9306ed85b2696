import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from './problem';
import { sendProblem } from './problem.filter';

export type ParsedQuery = Record<string, string | string[]>;

/** Set on a parsed query whose text did not decode: the parameter to name (or `query`). */
const UNDECODABLE = Symbol('undecodable query parameter');

type Marked = ParsedQuery & { [UNDECODABLE]?: string };

/** `+` as a space, then strict percent-decoding (URIError on invalid UTF-8 or a bad `%`); null when it fails. Queries and form bodies share this encoding. */
export function decodeFormText(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * The router's query-string parser: as Fastify's own (fast-querystring: `a=1&a=2` an array, a
 * pair without `=` an empty value, an object without a prototype), but strict. fast-querystring
 * keeps a pair that does not decode as its raw text, so `q=%E4%B8` (a character cut short) or
 * `%F8%88%80%80%80` (not UTF-8) reached the routes as if it were text; here the first such
 * parameter is marked for refuseUndecodableQueries. It cannot throw: the router calls it outside
 * any handler, where an error would end the process.
 */
export function parseQueryString(text: string): ParsedQuery {
  const result = Object.create(null) as Marked;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeFormText(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decodeFormText(pair.slice(equals + 1));
    if (key === null || value === null) {
      result[UNDECODABLE] ??= key ?? 'query';
      continue;
    }
    const seen = result[key];
    if (seen === undefined) result[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else result[key] = [seen, value];
  }
  return result;
}

/** A query that parseQueryString could not decode is refused with 400 naming the parameter, before anything else runs. */
export function refuseUndecodableQueries(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    const field = (request.query as Marked | undefined)?.[UNDECODABLE];
    if (field === undefined) return done();
    sendProblem(reply, request, Problem.validation([{ field, message: 'is not valid percent-encoded UTF-8' }]));
  });
}
