import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Eta } from 'eta';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The templates' folder: beside this file (src/web/views when run from source, dist/src/web/views
 * after `npm run build`, which copies them), else the source tree's (builds that skip the copy).
 */
export function viewsDirectory(): string {
  const beside = join(__dirname, 'views');
  return existsSync(beside) ? beside : resolve(__dirname, '..', '..', '..', 'src', 'web', 'views');
}

/**
 * Server-rendered pages: @fastify/view with Eta. `<%= %>` escapes HTML, `<%~ %>` inserts
 * markup the code built itself (the SVG charts). Templates are compiled once and cached.
 */
export function useViewEngine(app: NestFastifyApplication): void {
  app.setViewEngine({
    engine: { eta: new Eta({ autoEscape: true, cache: true }) },
    templates: viewsDirectory(),
    production: true,
  });
}
