import { SqlFilter } from './sql-filter';

describe('SqlFilter', () => {
  it('numbers each placeholder in order and joins the conditions', () => {
    const f = new SqlFilter().add('a = ?', 1).add('(b = ? OR c = ?)', 'x', 'y').add('d IS NOT NULL');
    expect(f.clause('WHERE')).toBe(' WHERE a = $1 AND (b = $2 OR c = $3) AND d IS NOT NULL');
    expect(f.clause('AND')).toBe(' AND a = $1 AND (b = $2 OR c = $3) AND d IS NOT NULL');
    expect(f.params).toEqual([1, 'x', 'y']);
    expect(f.next).toBe(4);
  });

  it('is empty without conditions', () => {
    const f = new SqlFilter();
    expect(f.clause('WHERE')).toBe('');
    expect(f.next).toBe(1);
  });
});
