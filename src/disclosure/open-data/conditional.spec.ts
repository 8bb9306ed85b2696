import { httpDate, notModified } from './conditional';

describe('conditional GET', () => {
  const validators = { etag: '"csv-abc"', lastModified: new Date('2026-03-02T02:00:00.750Z') };

  it('answers 304 to the same tag, weak or strong, in a list, or to *', () => {
    expect(notModified(validators, '"csv-abc"', undefined)).toBe(true);
    expect(notModified(validators, 'W/"csv-abc"', undefined)).toBe(true);
    expect(notModified(validators, '"json-abc", "csv-abc"', undefined)).toBe(true);
    expect(notModified(validators, '*', undefined)).toBe(true);
    expect(notModified(validators, '"csv-abd"', undefined)).toBe(false);
  });

  it('lets If-None-Match win over If-Modified-Since', () => {
    expect(notModified(validators, '"csv-old"', httpDate(new Date('2030-01-01T00:00:00Z')))).toBe(false);
  });

  it('compares dates at one-second precision and ignores a bad date', () => {
    expect(notModified(validators, undefined, httpDate(validators.lastModified))).toBe(true);
    expect(notModified(validators, undefined, 'Mon, 02 Mar 2026 01:59:59 GMT')).toBe(false);
    expect(notModified(validators, undefined, 'yesterday')).toBe(false);
    expect(notModified(validators, undefined, undefined)).toBe(false);
  });
});
