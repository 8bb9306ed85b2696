import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet, { HelmetOptions } from 'helmet';

/** A year, as the HSTS preload list asks. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * What helmet sets: `X-Content-Type-Options: nosniff`, a Referrer-Policy, frame and
 * cross-origin policies, and a Content-Security-Policy that fits the pages this app serves:
 * scripts only from this site (Swagger UI at /docs loads its bundle and init script from here;
 * the public pages have none), inline styles allowed (the pages' <style> block, Swagger UI's
 * and htmx's), images from here or data: URLs (Swagger UI's icons, the charts).
 */
const OPTIONS: HelmetOptions = {
  hsts: false,
  // Origin is still sent on same-site form posts (the sign-in form's CSRF check reads it);
  // other sites see the origin only, never the path (which holds the search terms).
  referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'self'"],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
    },
  },
};

/**
 * The headers helmet's middleware sets with OPTIONS, collected once. They depend on nothing in
 * the request, yet @fastify/helmet builds a new helmet middleware (parsing the CSP again) on
 * every request: a tenth of the server's CPU per credit-status lookup. helmet stays the one that
 * decides the headers; this only runs it once.
 */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name] = String(value)),
    removeHeader: (name: string) => void delete headers[name],
  };
  helmet(OPTIONS)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * Security headers on every response. HSTS only on a response served over TLS, which with
 * TRUST_PROXY includes a request a trusted proxy forwarded as https: announcing it over plain
 * HTTP would lock out a local install. A route that sets one of these headers itself (the
 * public pages' stricter CSP) keeps its own.
 */
export function useSecurityHeaders(app: NestFastifyApplication): void {
  const headers = Object.entries(helmetHeaders());
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (request, reply, payload, done) => {
      for (const [name, value] of headers) if (!reply.hasHeader(name)) void reply.header(name, value);
      if (request.protocol === 'https') void reply.header('Strict-Transport-Security', HSTS);
      done(null, payload);
    });
}
