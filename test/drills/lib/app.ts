import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../helpers/until';
import { get } from './http';
import { freePort, onCleanUp } from './services';

const DIST = join(__dirname, '../../../dist/src');
export const ADMIN = { username: 'admin', password: 'admin-password-for-drills' };

/** The environment every drill's processes share: its database, Redis and directories. */
export interface DrillEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  [name: string]: string;
}

/** What the drills' helpers call an app through: a process of its own, or a load balancer in front of several. */
export interface Reachable {
  url(path: string): string;
}

/** A scratch directory of the drill (uploads, exports, process logs). */
export function scratchDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `qc-drill-${tag}-`));
}

/** A base environment: admin, quiet logs to a file, no public rate limit in the way. */
export function drillEnv(tag: string, env: Partial<DrillEnv> & Pick<DrillEnv, 'DATABASE_URL' | 'REDIS_URL'>): DrillEnv {
  const dir = scratchDir(tag);
  return {
    REDIS_PREFIX: `drill_${tag}`,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'warn',
    UPLOAD_DIR: join(dir, 'uploads'),
    EXPORT_DIR: join(dir, 'exports'),
    DRILL_DIR: dir,
    PUBLIC_RATE_LIMIT: '1000000',
    JWT_TTL_SECONDS: '86400',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...env,
  } as DrillEnv;
}

/**
 * One process of the built app (dist/src/main.js or worker.js), as an operator runs it: its own
 * port, its log in the drill's directory, killed with whatever signal the drill chooses.
 */
export class AppProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  ) {}

  static async start(role: 'api' | 'worker' | 'all', env: DrillEnv, name: string = role): Promise<AppProcess> {
    const entry = join(DIST, role === 'worker' ? 'worker.js' : 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: \`npm run drills\` builds first`);
    const port = await freePort();
    const logFile = join(env.DRILL_DIR ?? tmpdir(), `${name}-${port}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, ...env, ROLE: role, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const app = new AppProcess(child, port, logFile, exited);
    onCleanUp(
      `${name} process ${child.pid}`,
      async () => {
        if (app.running) {
          child.kill('SIGKILL');
          await exited;
        }
      },
      () => {
        if (app.running) child.kill('SIGKILL');
      },
    );
    await until(
      `${name} (pid ${child.pid}) to answer /health/live; its log: ${logFile}`,
      async () => {
        if (!app.running) throw new Error(`${name} exited at start; its log:\n${app.logTail()}`);
        return (await get(app.url('/health/live')).catch(() => undefined))?.status === 200;
      },
      120_000,
      100,
    );
    return app;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Sends `signal` and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  logTail(lines = 40): string {
    if (!existsSync(this.logFile)) return '';
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }
}
