import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod, Type } from '@nestjs/common';
import { API_RESPONSE_METADATA, POLL_METADATA } from './common/poll-location';
import { apiControllers, operationsControllers } from './routes';

/** The API's routes answering 202, each with its handler. */
function acceptedRoutes(controllers: Type<unknown>[]) {
  return controllers.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype)
      .map((name) => prototype[name])
      .filter((handler): handler is object => typeof handler === 'function')
      .filter((handler) => Reflect.getMetadata(HTTP_CODE_METADATA, handler) === 202)
      .map((handler) => ({
        route: `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]} ${`/${base}/${String(Reflect.getMetadata(PATH_METADATA, handler))}`.replace(/\/+/g, '/').replace(/\/$/, '')}`,
        handler,
      }));
  });
}

describe('202 Accepted answers', () => {
  const routes = acceptedRoutes([...apiControllers, ...operationsControllers]);

  it('are the imports, the rule sets’ jobs, the recompute, the export re-run, the webhook replay and ping', () => {
    expect(routes.map((r) => r.route).sort()).toEqual([
      'POST /api/v1/classification/recompute',
      'POST /api/v1/exports/:date',
      'POST /api/v1/imports',
      'POST /api/v1/rule-sets/:version/activate',
      'POST /api/v1/rule-sets/:version/dry-run',
      'POST /api/v1/webhooks/:id/ping',
      'POST /api/v1/webhooks/:id/replay',
    ]);
  });

  it('each say in Location where the client polls, in the answer and in the OpenAPI document', () => {
    const missing = routes.filter((r) => typeof Reflect.getMetadata(POLL_METADATA, r.handler) !== 'function');
    expect(missing.map((r) => r.route)).toEqual([]);
    for (const { handler } of routes) {
      const responses = Reflect.getMetadata(API_RESPONSE_METADATA, handler) as Record<
        string,
        { type?: unknown; headers?: object }
      >;
      expect(responses['202']).toMatchObject({ type: expect.any(Function), headers: { Location: expect.any(Object) } });
    }
  });
});
