import { csvStream } from './csv';

/** The CSV text csvStream writes for `rows`. */
async function csv(rows: unknown[][]): Promise<string> {
  const stream = csvStream();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  for (const row of rows) stream.write(row);
  stream.end();
  await ended;
  return chunks.join('');
}

describe('csvStream', () => {
  it('defuses formulas at the start of a cell', async () => {
    await expect(csv([['=1+1', '+1', '@SUM(A1)', '－1', 'plain']])).resolves.toBe("'=1+1,'+1,'@SUM(A1),'－1,plain\n");
  });

  it('defuses formulas behind leading spaces, line breaks, tabs and the full-width space', async () => {
    const written = await csv([[' =1+1', '\n=1+1', '\u3000=1', '\r\n\t @x', ' plain', '=']]);
    expect(written).toBe(`' =1+1,"'\n=1+1",'\u3000=1,"'\r\n\t @x", plain,'=\n`);
  });

  it('writes numbers as they are', async () => {
    await expect(csv([[-5, 1.5, ' 3']])).resolves.toBe('-5,1.5, 3\n');
  });
});
