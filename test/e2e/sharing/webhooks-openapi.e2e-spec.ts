import { TestApp } from '../../helpers/test-app';

/** What an integrator's tools read about webhooks: each event's body and headers, as callbacks of the subscription. */
describe('webhooks in the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => (t = await TestApp.start(__filename)));
  afterAll(() => t.close());

  it('describes every event body and the signature headers as callbacks of POST /api/v1/webhooks', async () => {
    const document = (await t.request({ method: 'GET', url: '/docs-json' })).json();
    const callbacks = document.paths['/api/v1/webhooks'].post.callbacks;
    expect(Object.keys(callbacks).sort()).toEqual([
      'blacklist.published',
      'blacklist.removed',
      'classification.changed',
      'ping',
      'record.retracted',
    ]);
    const published = callbacks['blacklist.published']['{$request.body#/url}'].post;
    const headers = Object.fromEntries(
      (published.parameters as { name: string; in: string; deprecated?: boolean }[]).map((p) => [p.name, p]),
    );
    expect(Object.keys(headers)).toEqual(
      expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-signature']),
    );
    expect(headers['x-signature'].deprecated).toBe(true);
    expect(headers['webhook-signature'].deprecated).toBeUndefined();
    const ref = published.requestBody.content['application/json'].schema.$ref as string;
    const body = document.components.schemas[ref.split('/').pop()!];
    expect(body.properties.type.enum).toEqual(['blacklist.published']);
    expect(Object.keys(body.properties)).toEqual(['id', 'seq', 'type', 'uscc', 'occurredAt', 'data']);
    // The new routes, with their operation ids.
    expect(document.paths['/api/v1/webhooks/{id}/ping'].post.operationId).toBe('pingWebhook');
    expect(document.paths['/api/v1/webhooks/{id}/secret/rotate'].post.operationId).toBe('rotateWebhookSecret');
  });
});
