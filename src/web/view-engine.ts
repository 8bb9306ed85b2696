import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import { Eta } from 'eta';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Site } from '../config/app-config';

/**
 * A folder of src/web: beside this file (src/web/… when run from source, dist/src/web/… after
 * `npm run build`, which copies it), else the source tree's (builds that skip the copy).
 */
function webFolder(name: string): string {
  const beside = join(__dirname, name);
  return existsSync(beside) ? beside : resolve(__dirname, '..', '..', '..', 'src', 'web', name);
}

/** The templates' folder. */
export const viewsDirectory = (): string => webFolder('views');

/** Where `/assets/` is served from: the console's stylesheet, the icon, and htmx from its npm package. */
export const ASSET_FOLDERS = (): string[] => [
  webFolder('assets'),
  dirname(require.resolve('htmx.org/dist/htmx.min.js')),
];

/** The files under `/assets/`; nothing else in those folders is served. */
const ASSET_FILES = new Set(['/console.css', '/htmx.min.js', '/favicon.svg']);

/** The site's icon, which every layout links. */
const FAVICON = '/assets/favicon.svg';

/**
 * Server-rendered pages: @fastify/view with Eta. `<%= %>` escapes HTML, `<%~ %>` inserts
 * markup the code built itself (the SVG charts). Templates are compiled once and cached.
 * The console's static files come from this site (`/assets/`, cached for a day), never a CDN:
 * the Content-Security-Policy allows scripts from this site only.
 */
export async function useViewEngine(app: NestFastifyApplication, site: Site): Promise<void> {
  app.setViewEngine({
    engine: { eta: new Eta({ autoEscape: true, cache: true }) },
    templates: viewsDirectory(),
    production: true,
    // Every template gets `it.site`: the platform's name, its owner and filing numbers.
    defaultContext: { site },
  });
  await app.register(fastifyStatic, {
    root: ASSET_FOLDERS(),
    prefix: '/assets/',
    decorateReply: false,
    allowedPath: (path) => ASSET_FILES.has(path),
    maxAge: '1d',
    index: false,
  });
  // Browsers ask for /favicon.ico whatever the pages link: send them to the icon.
  app
    .getHttpAdapter()
    .getInstance()
    .get('/favicon.ico', (_request, reply) =>
      reply.header('Cache-Control', 'public, max-age=86400').redirect(FAVICON, 301),
    );
}
