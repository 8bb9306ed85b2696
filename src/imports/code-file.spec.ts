import { readCodes } from './code-file';
import { TableRow } from './incoming-file';
import { ImportFailure } from './row-checker';

async function* rowsOf(...rows: string[][]): AsyncGenerator<TableRow> {
  let number = 0;
  for (const cells of rows) yield { number: ++number, cells };
}

describe('readCodes', () => {
  it('reads one column with its row numbers, skipping a header that names it and empty cells', async () => {
    await expect(readCodes(rowsOf(['统一社会信用代码'], ['A'], ['  B '], ['']), 10)).resolves.toEqual([
      { row: 2, input: 'A' },
      { row: 3, input: 'B' },
    ]);
    await expect(readCodes(rowsOf(['A'], ['B']), 10)).resolves.toEqual([
      { row: 1, input: 'A' },
      { row: 2, input: 'B' },
    ]);
  });

  it('takes the named column of a wider file, and refuses a wider file that names none', async () => {
    await expect(readCodes(rowsOf(['企业名称', 'USCC'], ['甲', 'A']), 10)).resolves.toEqual([{ row: 2, input: 'A' }]);
    await expect(readCodes(rowsOf(['甲', 'A']), 10)).rejects.toThrow(ImportFailure);
  });

  it('refuses more codes than allowed, and a file without any', async () => {
    await expect(readCodes(rowsOf(['A'], ['B'], ['C']), 2)).rejects.toMatchObject({
      zh: expect.stringContaining('超过 2 个') as string,
    });
    await expect(readCodes(rowsOf(['uscc']), 2)).rejects.toThrow('no credit code');
  });
});
