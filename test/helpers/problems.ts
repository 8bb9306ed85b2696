import { InjectResponse } from './test-app';

/** A 400 problem+json that names `field` among its errors (with `message` in that error's text, if given). */
export function expectFieldRefused(res: InjectResponse, field: string, message?: string): void {
  expect({ status: res.statusCode, type: res.headers['content-type'] }).toEqual({
    status: 400,
    type: expect.stringContaining('application/problem+json'),
  });
  const errors: { field: string; message: string }[] = res.json().errors;
  expect(errors.map((e) => e.field)).toContain(field);
  if (message) expect(errors.find((e) => e.field === field)?.message).toContain(message);
}
