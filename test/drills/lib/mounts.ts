import { execFile, execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onCleanUp } from './services';

const run = promisify(execFile);

/**
 * A small tmpfs mounted on `dir` (root only), which a drill fills up or makes read-only: root
 * ignores file modes, so only a full or read-only filesystem refuses it a write.
 */
export class SmallDisk {
  private constructor(readonly dir: string) {}

  static async mount(dir: string, size = '1m'): Promise<SmallDisk> {
    mkdirSync(dir, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'tmpfs', dir]);
    onCleanUp(
      `tmpfs on ${dir}`,
      () => run('umount', ['-l', dir]).then(() => undefined),
      () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }),
    );
    return new SmallDisk(dir);
  }

  /** Writes a filler file until the filesystem has no space left. */
  fill(): void {
    const fd = openSync(join(this.dir, '.filler'), 'w');
    const chunk = Buffer.alloc(16 * 1024);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
  }

  free(): void {
    rmSync(join(this.dir, '.filler'), { force: true });
  }

  async readOnly(on: boolean): Promise<void> {
    await run('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, this.dir]);
  }
}
