import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** A year, as the HSTS preload list asks. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Security headers on every response, by @fastify/helmet: `X-Content-Type-Options: nosniff`,
 * a Referrer-Policy, frame and cross-origin policies, and a Content-Security-Policy that fits
 * the pages this app serves: scripts only from this site (Swagger UI at /docs loads its bundle
 * and init script from here; the public pages have none), inline styles allowed (the pages'
 * <style> block, Swagger UI's and htmx's), images from here or data: URLs (Swagger UI's icons,
 * the charts).
 *
 * HSTS only on a response served over TLS, which with TRUST_PROXY includes a request a trusted
 * proxy forwarded as https: announcing it over plain HTTP would lock out a local install.
 */
export async function useSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
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
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (request, reply, payload, done) => {
      if (request.protocol === 'https') void reply.header('Strict-Transport-Security', HSTS);
      done(null, payload);
    });
}
