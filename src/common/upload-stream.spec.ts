import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEFTOVER_AGE_MS, sweepLeftovers } from './upload-stream';

describe('sweepLeftovers', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'qc-leftovers-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('deletes the matching files older than the age, and nothing else', async () => {
    const now = Date.now();
    const old = new Date(now - LEFTOVER_AGE_MS - 60_000);
    for (const name of ['.a.part', '.b.part', 'kept-file', 'x.codes']) await writeFile(join(dir, name), 'x');
    await utimes(join(dir, '.a.part'), old, old); // a killed upload's
    await utimes(join(dir, 'kept-file'), old, old); // a kept file, old but not temporary
    expect(await sweepLeftovers(dir, /^\..+\.part$/, LEFTOVER_AGE_MS, now)).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['.b.part', 'kept-file', 'x.codes']);
  });

  it('takes a missing directory as nothing to sweep', async () => {
    await expect(sweepLeftovers(join(dir, 'absent'), /\.codes$/)).resolves.toBe(0);
  });
});
