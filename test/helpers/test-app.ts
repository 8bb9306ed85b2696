import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppOptions, createApp, useValidatorContainer } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { cloneTemplate, uniqueName } from './databases';
import { ADMIN, removeTestResources, runSql, testEnvironment } from './environment';

export { ADMIN };

type InjectOptions = Exclude<Parameters<NestFastifyApplication['inject']>[0], string | undefined>;
export type InjectResponse = Awaited<ReturnType<NestFastifyApplication['inject']>>;

export type Call = Omit<InjectOptions, 'payload' | 'body'> & { body?: unknown; token?: string };

/** One booted application on its own database and Redis prefix, for one e2e file. */
export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: AppConfig,
    readonly databaseName: string,
    readonly env: NodeJS.ProcessEnv,
    /** A replica shares its original's database and Redis prefix and leaves them be on close. */
    private readonly isReplica = false,
  ) {}

  static async start(testFile: string, env: NodeJS.ProcessEnv = {}, options: AppOptions = {}): Promise<TestApp> {
    const name = uniqueName(testFile);
    await cloneTemplate(name);
    const fullEnv = testEnvironment(name, env);
    const config = loadConfig(fullEnv);
    const app = await createApp(config, options);
    return new TestApp(app, config, name, fullEnv);
  }

  /** A second application on the same database and Redis prefix, as another replica would be. */
  async replica(options: AppOptions = {}, env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
    const config = Object.keys(env).length ? loadConfig({ ...this.env, ...env }) : this.config;
    const replica = await createApp(config, options);
    // class-validator's container is process-wide: keep it on this (longer-lived) app.
    useValidatorContainer(this.app);
    return new TestApp(replica, config, this.databaseName, this.env, true);
  }

  /** Sends a request through Fastify's inject (no socket); JSON bodies are encoded. */
  request({ body, token, headers, ...rest }: Call): Promise<InjectResponse> {
    return this.app.inject({
      ...rest,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body !== undefined
        ? { payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) }
        : {}),
    } as InjectOptions);
  }

  async login(username: string, password: string): Promise<string> {
    const res = await this.request({ method: 'POST', url: '/api/v1/auth/login', body: { username, password } });
    if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
    return res.json().accessToken;
  }

  loginAdmin(): Promise<string> {
    return this.login(ADMIN.username, ADMIN.password);
  }

  /** Runs SQL on this file's database, outside the app (for setup and for checking what was stored). */
  sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return runSql<T>(this.config.DATABASE_URL, text, params);
  }

  private closed = false;

  /** Stops the application as SIGTERM would (drain HTTP, finish jobs, close pools). */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.app.close();
  }

  /** Shuts down, then drops this file's database and Redis keys. */
  async close(): Promise<void> {
    await this.shutdown();
    if (this.isReplica) return;
    await removeTestResources(this.databaseName, this.config);
  }
}
