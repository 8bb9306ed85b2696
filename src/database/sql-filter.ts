/** Text matched literally by `LIKE` (with the default escape `\\`): `\\`, `%` and `_` escaped. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The conditions of a filtered list, numbered as they are added: `add('a = ? OR b = ?', x, y)`
 * binds each `?` to the next `$n`. `clause('WHERE')` joins them (empty when there are none), and
 * `next` is the number of the first placeholder after them (for OFFSET and LIMIT).
 */
export class SqlFilter {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  add(sql: string, ...values: unknown[]): this {
    let text = sql;
    for (const value of values) {
      this.params.push(value);
      text = text.replace('?', `$${this.params.length}`);
    }
    this.conditions.push(text);
    return this;
  }

  /** `WHERE a AND b` (or `AND a AND b` after a fixed condition); empty without conditions. */
  clause(keyword: 'WHERE' | 'AND'): string {
    return this.conditions.length ? ` ${keyword} ${this.conditions.join(' AND ')}` : '';
  }

  get next(): number {
    return this.params.length + 1;
  }
}
