import type { OperationObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { errorStatuses } from './openapi';

const operation = (grants: string[], fields: Partial<OperationObject> = {}): OperationObject =>
  ({ responses: { 200: { description: 'ok' } }, 'x-access': grants, ...fields }) as OperationObject;
const uscc = { name: 'uscc', in: 'path' as const, required: true };

describe('the error statuses an operation is documented with', () => {
  it('gives a key route its input, credential, path and rate-limit errors', () => {
    expect(
      errorStatuses('/api/v1/credit-status/{uscc}', operation(['scope:status:read'], { parameters: [uscc] })),
    ).toEqual(['400', '401', '403', '404', '429', 'default']);
  });

  it('gives a body 400 and 413, and keeps the statuses the route declares itself', () => {
    const declared = operation(['reviewer'], {
      requestBody: { content: {} },
      responses: { 200: { description: 'ok' }, 409: { description: 'the current state forbids it' } },
    });
    expect(errorStatuses('/api/v1/blacklist/{id}/decision', declared)).toEqual([
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      'default',
    ]);
  });

  it('gives a public list 400 and 429 only, and an internal probe nothing but the default', () => {
    expect(
      errorStatuses('/api/v1/public/blacklist', operation(['public'], { parameters: [{ name: 'q', in: 'query' }] })),
    ).toEqual(['400', '429', 'default']);
    expect(errorStatuses('/health/live', operation(['internal']))).toEqual(['default']);
  });
});
