import { disclosedByDefault, RECORD_TYPES, recordRuleErrors } from './record-rules';

describe('record rules', () => {
  it('refuses a future date and a date before registration', () => {
    expect(recordRuleErrors({ type: 'spot_check_fail', occurredOn: '2026-11-28' }, '2026-11-27', null)).toEqual([
      { field: 'occurredOn', message: 'must not be in the future' },
    ]);
    expect(recordRuleErrors({ type: 'spot_check_fail', occurredOn: '2010-01-01' }, '2026-11-27', '2012-03-04')).toEqual(
      [{ field: 'occurredOn', message: 'must not be before the enterprise was registered (2012-03-04)' }],
    );
    expect(recordRuleErrors({ type: 'spot_check_fail', occurredOn: '2026-11-27' }, '2026-11-27', '2026-11-27')).toEqual(
      [],
    );
  });

  it('wants a hotline on a substantiated complaint and nowhere else', () => {
    expect(recordRuleErrors({ type: 'complaint_substantiated', occurredOn: '2020-01-01' }, '2026-11-27', null)).toEqual(
      [{ field: 'hotline', message: 'is required for a substantiated complaint' }],
    );
    expect(
      recordRuleErrors(
        { type: 'complaint_substantiated', occurredOn: '2020-01-01', hotline: '12365' },
        '2026-11-27',
        null,
      ),
    ).toEqual([]);
    expect(
      recordRuleErrors({ type: 'quality_award', occurredOn: '2020-01-01', hotline: '12315' }, '2026-11-27', null),
    ).toEqual([{ field: 'hotline', message: 'applies to substantiated complaints only' }]);
  });

  it('discloses adverse findings and awards by default, not complaints', () => {
    const disclosed = RECORD_TYPES.filter(disclosedByDefault).sort();
    expect(disclosed).toEqual(
      [
        'administrative_penalty',
        'famous_brand',
        'license_revoked',
        'major_quality_incident',
        'product_recall',
        'quality_award',
        'spot_check_fail',
      ].sort(),
    );
  });
});
