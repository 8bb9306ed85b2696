import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('has a working default for every variable', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/quality_credit',
      REDIS_URL: 'redis://127.0.0.1:6379',
      ROLE: 'all',
      WEBHOOK_ALLOW_PRIVATE: false,
      OBJECTION_WORKING_DAYS: 10,
      REPAIR_MIN_MONTHS: 12,
      LISTING_PERIOD_MONTHS: 36,
    });
    expect(config.runsApi && config.runsWorker).toBe(true);
  });

  it('reads and converts the given values', () => {
    const config = loadConfig({
      PORT: '8080',
      ROLE: 'worker',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      OBJECTION_WORKING_DAYS: '0',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      ROLE: 'worker',
      WEBHOOK_ALLOW_PRIVATE: true,
      OBJECTION_WORKING_DAYS: 0,
    });
    expect(config.runsApi).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ ROLE: 'both' }, 'ROLE'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ DATABASE_APP_URL: 'mysql://app:secret@x/y' }, 'DATABASE_APP_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ WEBHOOK_ALLOW_PRIVATE: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE'],
    [{ LISTING_PERIOD_MONTHS: '0' }, 'LISTING_PERIOD_MONTHS'],
    [{ ADMIN_USERNAME: 'root' }, 'ADMIN_PASSWORD'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'lb.internal' }, 'TRUST_PROXY'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '3000' }, 'METRICS_PORT'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ PUBLIC_URL: 'credit.example.gov.cn' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'ftp://credit.example.gov.cn' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://credit.example.gov.cn/?a=1' }, 'PUBLIC_URL'],
  ])('stops on %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('reads the trusted proxies as a list, none by default', () => {
    expect(loadConfig({}).trustedProxies).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,fd00::/8' }).trustedProxies).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      'fd00::/8',
    ]);
  });

  it('reads the public URL without its trailing slash, none by default', () => {
    expect(loadConfig({}).publicBaseUrl).toBe('');
    expect(loadConfig({ PUBLIC_URL: 'https://credit.example.gov.cn/' }).publicBaseUrl).toBe(
      'https://credit.example.gov.cn',
    );
    expect(loadConfig({ PUBLIC_URL: 'http://10.1.2.3:8080/credit' }).publicBaseUrl).toBe('http://10.1.2.3:8080/credit');
  });

  it('names every bad variable at once and never prints a secret', () => {
    try {
      loadConfig({ PORT: '-1', ROLE: 'x', ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'short', JWT_SECRET: 'tiny' });
      throw new Error('loadConfig accepted bad values');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/PORT=.*\n.*ROLE=/s);
      expect(message).toContain('ADMIN_PASSWORD=(hidden)');
      expect(message).toContain('JWT_SECRET=(hidden)');
      expect(message).not.toContain('short');
      expect(message).not.toContain('tiny');
    }
  });
});

describe('where Redis is (REDIS_URL, REDIS_CLUSTER_NODES)', () => {
  it('reads a redis:// or rediss:// URL as one server', () => {
    expect(loadConfig({}).redis).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(loadConfig({ REDIS_URL: 'rediss://:pw@cache.internal:6380/2' }).redis).toEqual({
      mode: 'standalone',
      url: 'rediss://:pw@cache.internal:6380/2',
    });
  });

  it('reads redis+sentinel:// as the sentinels to ask for the master by name, with its password', () => {
    expect(
      loadConfig({ REDIS_URL: 'redis+sentinel://10.0.0.1:26379,sentinel-2:26380,[fd00::3]:26381/qc-main' }).redis,
    ).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-2', port: 26380 },
        { host: 'fd00::3', port: 26381 },
      ],
      name: 'qc-main',
      username: undefined,
      password: undefined,
      sentinelPassword: undefined,
    });
    expect(loadConfig({ REDIS_URL: 'redis+sentinel://:p%40ss@h:26379/qc' }).redis).toMatchObject({
      mode: 'sentinel',
      sentinels: [{ host: 'h', port: 26379 }],
      password: 'p@ss',
    });
    expect(loadConfig({ REDIS_URL: 'redis+sentinel://app:secret@h:26379/qc' }).redis).toMatchObject({
      username: 'app',
      password: 'secret',
    });
    // The sentinels' own password, apart from the data nodes'.
    expect(
      loadConfig({ REDIS_URL: 'redis+sentinel://:data@h:26379/qc', REDIS_SENTINEL_PASSWORD: 'watch' }).redis,
    ).toMatchObject({ password: 'data', sentinelPassword: 'watch' });
    expect(() => loadConfig({ REDIS_SENTINEL_PASSWORD: 'watch' })).toThrow(
      /REDIS_SENTINEL_PASSWORD: set, but REDIS_URL is not a redis\+sentinel:\/\/ URL/,
    );
  });

  it('runs on a Cluster when REDIS_CLUSTER_NODES is set, with REDIS_URL’s password and TLS', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000, 127.0.0.1:7001,redis-2:7002' }).redis).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
        { host: 'redis-2', port: 7002 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(
      loadConfig({ REDIS_URL: 'rediss://default:s3cret@ignored:6379', REDIS_CLUSTER_NODES: 'c1:7000' }).redis,
    ).toMatchObject({
      mode: 'cluster',
      nodes: [{ host: 'c1', port: 7000 }],
      username: 'default',
      password: 's3cret',
      tls: true,
    });
  });

  it.each([
    [{ REDIS_URL: 'redis+sentinel://h:26379' }],
    [{ REDIS_URL: 'redis+sentinel://h/qc' }],
    [{ REDIS_URL: 'redis+sentinel://h:26379,/qc' }],
    [{ REDIS_URL: 'redis+sentinel://h:26379/q c' }],
    [{ REDIS_URL: 'sentinel://h:26379/qc' }],
    [{ REDIS_URL: 'redis://:%zz@h:6379' }],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1' }],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1:7000,' }],
    [{ REDIS_CLUSTER_NODES: 'a:7000;b:7001' }],
  ])('stops on %j, naming the setting', (env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(Object.keys(env)[0]);
  });

  it('never prints the password of a bad REDIS_URL', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis+sentinel://:hunter22@h/qc' })).toThrow(/REDIS_URL=\(hidden\)/);
  });
});
