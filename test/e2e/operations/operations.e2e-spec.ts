import { TestApp } from '../../helpers/test-app';
import { declaredRoutes } from '../../helpers/routes';

describe('operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start(__filename, { METRICS_TOKEN: 'operations-metrics-token' });
  });
  afterAll(() => t.close());

  it('is live and ready when PostgreSQL and Redis answer', async () => {
    const live = await t.request({ method: 'GET', url: '/health/live' });
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await t.request({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ok',
      details: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('serves Prometheus metrics with request latency by route pattern and queue depths', async () => {
    await t.request({ method: 'GET', url: '/api/v1/districts' });
    await t.request({ method: 'GET', url: '/api/v1/enterprises/91330100799655058B' });
    const res = await t.request({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer operations-metrics-token' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/districts",status="200"\} 1/,
    );
    // The route pattern, not the URL, so label values stay bounded.
    expect(res.body).toContain('route="/api/v1/enterprises/:uscc",status="401"');
    expect(res.body).not.toContain('91330100799655058B');
    expect(res.body).toMatch(/queue_jobs\{queue="maintenance",state="waiting"\} 0/);
    expect(res.body).toContain('process_resident_memory_bytes');
  });

  it('describes every route in the OpenAPI document, with who may call it', async () => {
    const res = await t.request({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    const document = res.json();
    const routes = declaredRoutes(t.app);
    expect(routes.length).toBeGreaterThanOrEqual(8);
    for (const { method, path } of routes) {
      const operation = document.paths[path]?.[method.toLowerCase()];
      expect({ method, path, documented: !!operation }).toEqual({ method, path, documented: true });
      expect(operation['x-access']).toEqual(expect.arrayContaining([expect.any(String)]));
    }
    expect(document.components.securitySchemes).toHaveProperty('bearer');
    expect(document.components.securitySchemes).toHaveProperty('apiKey');
    const ui = await t.request({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('answers unknown routes with a problem', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      status: 404,
      title: 'Not found',
      type: expect.any(String),
      detail: expect.any(String),
    });
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await t.request({
      method: 'GET',
      url: '/api/v1/nothing-here',
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(given.headers['x-request-id']).toBe('trace-123');
    expect(given.json().requestId).toBe('trace-123');
    const made = await t.request({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unexpected failure with a bare 500 that names the request id and hides internals', async () => {
    await t.sql('ALTER TABLE districts RENAME TO districts_gone');
    try {
      const res = await t.request({ method: 'GET', url: '/api/v1/districts' });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toEqual({
        type: expect.stringContaining('internal-error'),
        title: 'Internal server error',
        status: 500,
        detail: expect.stringContaining('requestId'),
        code: 'internal-error',
        requestId: res.headers['x-request-id'],
      });
      expect(res.body).not.toMatch(/districts|relation|SELECT|QueryFailed/i);
    } finally {
      await t.sql('ALTER TABLE districts_gone RENAME TO districts');
    }
  });
});
