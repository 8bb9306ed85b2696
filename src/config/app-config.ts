import { plainToInstance, Transform } from 'class-transformer';
import ipaddr from 'ipaddr.js';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';

export const ROLES = ['api', 'worker', 'all'] as const;

/** Whose site this is: the platform's name, who runs it, how to reach them, its filing numbers (null when not set). */
export interface Site {
  name: { zh: string; en: string };
  owner: { zh: string; en: string };
  contact: string;
  icp: string | null;
  psb: string | null;
  govId: string | null;
}
export type ProcessRole = (typeof ROLES)[number];

export interface RedisEndpoint {
  host: string;
  port: number;
}

/**
 * Where the app's Redis is, from REDIS_URL and REDIS_CLUSTER_NODES: one server (its URL, as
 * ioredis reads it), a master that Sentinels watch (asked of them by name), or a Cluster's seed
 * nodes. `username` and `password` are the data nodes'; `sentinelPassword` is the sentinels' own
 * (REDIS_SENTINEL_PASSWORD), when they require one.
 */
export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | {
      mode: 'sentinel';
      sentinels: RedisEndpoint[];
      name: string;
      username?: string;
      password?: string;
      sentinelPassword?: string;
    }
  | { mode: 'cluster'; nodes: RedisEndpoint[]; username?: string; password?: string; tls: boolean };

/** `host:port`, the host a name, an IPv4 address or an IPv6 address in brackets. */
const ENDPOINT = String.raw`(\[[0-9A-Fa-f:.]+\]|[^\s,:@/[\]]+):\d{1,5}`;
const REDIS_URL_FORMS = new RegExp(
  String.raw`^(rediss?://\S+|redis\+sentinel://([^:@/]*(:[^@/]*)?@)?${ENDPOINT}(,${ENDPOINT})*/[A-Za-z0-9_.-]+)$`,
);
const SENTINEL_URL = /^redis\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/([A-Za-z0-9_.-]+)$/;

/** `host:port,host:port` (an IPv6 host in brackets) as endpoints. */
function endpoints(list: string): RedisEndpoint[] {
  return list.split(',').map((item) => {
    const [, host, port] = /^\s*\[?([^\s\]]+?)\]?:(\d+)\s*$/.exec(item) ?? [];
    return { host, port: Number(port) };
  });
}

const decoded = (part: string | undefined) => (part ? decodeURIComponent(part) : undefined);

const toBoolean = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : value === 'true' ? true : value === 'false' ? false : value;
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Comma-separated addresses and CIDR ranges (`10.0.0.0/8, fd00::/8, 192.0.2.7`), each one valid. */
const IsAddressList = () =>
  ValidateBy({
    name: 'isAddressList',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        value.split(',').every((part) => {
          const item = part.trim();
          return item.includes('/') ? ipaddr.isValidCIDR(item) : ipaddr.isValid(item) && !/^\d+$/.test(item);
        }),
      defaultMessage: () => 'must be comma-separated IP addresses or CIDR ranges, such as 10.0.0.0/8,192.0.2.7',
    },
  });

/**
 * The environment, validated at boot. Every variable has a default that works on one local
 * machine (see `.env.example`); a wrong value stops start-up with a message naming it.
 */
export class AppConfig {
  @Transform(toInt)
  @Max(65535)
  @Min(0)
  @IsInt() // nearest the property: checked first
  PORT = 3000;

  @Matches(/^postgres(ql)?:\/\/.+\/[^/?]+/, { message: 'must be a postgres:// URL ending in a database name' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/quality_credit';

  /**
   * The login the app's own sessions use, a member of the least-privilege role `qc_app` that the
   * migrations make (no UPDATE, DELETE or TRUNCATE of append-only tables, no ALTER). Unset: the app
   * uses DATABASE_URL, the owner that migrates. May carry a password, so it is never printed.
   */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+\/[^/?]+/, { message: 'must be a postgres:// URL ending in a database name' })
  DATABASE_APP_URL?: string;

  /**
   * Read-only logins on streaming replicas of DATABASE_URL's database, comma-separated. Public
   * pages, search, open data, statistics, exports, the feed and the status lookups read from one
   * that is no further behind than REPLICA_MAX_LAG_MS, else from the primary. Unset: everything
   * reads from the primary. May carry passwords, so it is never printed.
   */
  @IsOptional()
  @Matches(
    /^postgres(ql)?:\/\/[^,\s]+\/[^/?,\s]+(\?[^,\s]*)?(\s*,\s*postgres(ql)?:\/\/[^,\s]+\/[^/?,\s]+(\?[^,\s]*)?)*$/,
    {
      message: 'must be comma-separated postgres:// URLs, each ending in a database name',
    },
  )
  DATABASE_REPLICA_URLS?: string;

  /** A replica whose replay is further behind the primary than this is not read from. */
  @Transform(toInt)
  @Max(3_600_000)
  @Min(0)
  @IsInt()
  REPLICA_MAX_LAG_MS = 2_000;

  /**
   * One Redis (`redis://`, `rediss://`) or a Sentinel-watched master
   * (`redis+sentinel://[:password@]host:port[,host:port…]/mastername`). Ignored for the
   * connection itself when REDIS_CLUSTER_NODES is set (its password still applies).
   */
  @Matches(REDIS_URL_FORMS, {
    message: 'must be a redis:// URL or redis+sentinel://[:password@]host:port[,host:port]/mastername',
  })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** A Redis Cluster's seed nodes (`host:port,host:port,…`); when set, the app runs on the cluster. */
  @IsOptional()
  @Matches(new RegExp(String.raw`^${ENDPOINT}(\s*,\s*${ENDPOINT})*$`), {
    message: 'must be comma-separated host:port pairs',
  })
  REDIS_CLUSTER_NODES?: string;

  /**
   * The sentinels' own password (their `requirepass`), when they require one: the password in a
   * redis+sentinel:// URL is the master's and replicas'. Often the same (as Helm charts set it).
   */
  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  /** Prefix of every Redis key this deployment writes (queues, rate limits, caches). */
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'may hold letters, digits and _ . : - only' })
  REDIS_PREFIX = 'qc';

  @IsIn(ROLES)
  ROLE: ProcessRole = 'all';

  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{3,64}$/, { message: 'must be 3-64 letters, digits, _ . or -' })
  ADMIN_USERNAME?: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  ADMIN_PASSWORD?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  JWT_SECRET?: string;

  /** Lifetime of an access token; short, so a disabled user is out within minutes. */
  @Transform(toInt)
  @Max(86400)
  @Min(60)
  @IsInt() // nearest the property: checked first
  JWT_TTL_SECONDS = 900;

  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE = false;

  /** Key that encrypts webhook secrets at rest; when unset, generated on first start and kept in the database. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  WEBHOOK_SECRET_KEY?: string;

  /** First retry of a failed webhook delivery after about this long, then doubling (with jitter). */
  @Transform(toInt)
  @Max(3_600_000)
  @Min(10)
  @IsInt()
  WEBHOOK_RETRY_BASE_MS = 10_000;

  /** A delivery still failing this long after its first attempt is dead-lettered. */
  @Transform(toInt)
  @Max(720)
  @Min(1)
  @IsInt()
  WEBHOOK_RETRY_HOURS = 24;

  /** Where the daily export files are written and served from (api and worker must share it). */
  @Matches(/^\S+$/, { message: 'must be a directory path' })
  EXPORT_DIR = 'data/exports';

  @Transform(toInt)
  @Max(60)
  @Min(0)
  @IsInt() // nearest the property: checked first
  OBJECTION_WORKING_DAYS = 10;

  @Transform(toInt)
  @Max(120)
  @Min(0)
  @IsInt() // nearest the property: checked first
  REPAIR_MIN_MONTHS = 12;

  @Transform(toInt)
  @Max(120)
  @Min(1)
  @IsInt() // nearest the property: checked first
  LISTING_PERIOD_MONTHS = 36;

  /** Requests per minute from one client address to the routes open to everyone. */
  @Transform(toInt)
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  PUBLIC_RATE_LIMIT = 300;

  /**
   * The key that signs credit reports: an Ed25519 private key as a JWK (JSON) or PKCS#8 PEM. When
   * unset, one is generated on first use and kept in the database, sealed with REPORT_KEY_SECRET.
   */
  @IsOptional()
  @Matches(/^\s*(\{[\s\S]*\}|-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----)\s*$/, {
    message: 'must be an Ed25519 private key as a JWK (JSON) or a PKCS#8 PEM',
  })
  REPORT_SIGNING_KEY?: string;

  /** Key that seals generated report-signing keys at rest; when unset, generated and kept in the database. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  REPORT_KEY_SECRET?: string;

  /** Where uploaded import files are kept until processed; api and worker must share it. */
  @Matches(/^\S+$/, { message: 'must be a directory path' })
  UPLOAD_DIR = 'data/uploads';

  /**
   * Where the evidence files of objections and repair applications are kept (a row in
   * blacklist_evidence_files names each, with its SHA-256); created when missing. Back it up with
   * the database.
   */
  @Matches(/^\S+$/, { message: 'must be a directory path' })
  EVIDENCE_DIR = 'data/evidence';

  /**
   * How soon a worker that dies loses its running jobs to another worker, at most (its hold on a
   * job lasts two thirds of this without renewal; see lockSettings in src/jobs/jobs.module.ts).
   */
  @Transform(toInt)
  @Max(600_000)
  @Min(1_000)
  @IsInt()
  JOB_LOCK_MS = 30_000;

  /** Rows per import chunk: the worker parses one chunk while the database merges the last. */
  @Transform(toInt)
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  IMPORT_CHUNK_ROWS = 50_000;

  /**
   * How often a worker looks for imports left unfinished although their job failed for good (the
   * failure could not be recorded then, say the database was down), and ends them `failed`.
   */
  @Transform(toInt)
  @Max(3_600_000)
  @Min(100)
  @IsInt()
  IMPORT_SWEEP_MS = 60_000;

  /**
   * Days a finished batch screening (批量筛查) and its results are kept for the institution to
   * download; a worker deletes older ones.
   */
  @Transform(toInt)
  @Max(3_650)
  @Min(1)
  @IsInt()
  SCREENING_RETENTION_DAYS = 30;

  /**
   * Months of the query log (credit_queries, one partition a month) kept in the database; older
   * months are detached and archived to EXPORT_DIR as a gzip CSV with its SHA-256.
   */
  @Transform(toInt)
  @Max(600)
  @Min(1)
  @IsInt()
  QUERY_LOG_RETENTION_MONTHS = 60;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /**
   * The reverse proxies (load balancers) in front of the api, as addresses or CIDR ranges: only
   * a request arriving from one of them has its `X-Forwarded-For` (client address, for rate
   * limits and the login throttle) and `X-Forwarded-Proto` (https: HSTS, the Secure cookie)
   * believed. Unset: nobody's are.
   */
  @IsOptional()
  @IsAddressList()
  TRUST_PROXY?: string;

  /** When set, `/metrics` on PORT answers only `Authorization: Bearer <this>`; unset, it is 404 there. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** An extra listener serving `/metrics` without a token, for scraping inside the cluster; unset, none. */
  @IsOptional()
  @Transform(toInt)
  @Max(65535)
  @Min(1)
  @IsInt()
  METRICS_PORT?: number;

  /**
   * Where the public reaches the site (`https://credit.example.gov.cn`), for the absolute links
   * of what is read away from it (the Atom feed). Unset: those links are relative to the site.
   * Never taken from a request's Host header, which anyone can set.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'must be an http(s) URL without query or fragment' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  PUBLIC_URL?: string;

  /** The platform's name, on every page, report, feed and export (configurable for another city). */
  @IsString()
  @MinLength(2)
  SITE_NAME = '温州市企业质量信用信息公示平台';

  /** The platform's name on the English pages. */
  @IsString()
  @MinLength(2)
  SITE_NAME_EN = 'Wenzhou Enterprise Quality Credit Disclosure Platform';

  /** 主办单位: who runs the site, named in every page's footer and as the author of the feed. */
  @IsString()
  @MinLength(2)
  SITE_OWNER = '温州市市场监督管理局';

  @IsString()
  @MinLength(2)
  SITE_OWNER_EN = 'Wenzhou Market Supervision Administration';

  /** The telephone the footer gives for questions and complaints. */
  @IsString()
  @MinLength(3)
  SITE_CONTACT = '12315';

  /** ICP 备案号 (`浙ICP备…号`), shown in the footer when set. */
  @IsOptional()
  @IsString()
  SITE_ICP?: string;

  /** 公安机关备案号 (`浙公网安备 …号`), shown in the footer when set. */
  @IsOptional()
  @IsString()
  SITE_PSB?: string;

  /** 政府网站标识码, shown in the footer when set. */
  @IsOptional()
  @IsString()
  SITE_GOV_ID?: string;

  /** Whose site this is, as the pages, reports and feeds name it. */
  get site(): Site {
    return {
      name: { zh: this.SITE_NAME, en: this.SITE_NAME_EN },
      owner: { zh: this.SITE_OWNER, en: this.SITE_OWNER_EN },
      contact: this.SITE_CONTACT,
      icp: this.SITE_ICP ?? null,
      psb: this.SITE_PSB ?? null,
      govId: this.SITE_GOV_ID ?? null,
    };
  }

  /** PUBLIC_URL without its trailing slash, or '' (links relative to the site) when unset. */
  get publicBaseUrl(): string {
    return (this.PUBLIC_URL ?? '').replace(/\/$/, '');
  }

  /** The proxies whose forwarded headers are believed, for Fastify's `trustProxy` (false: none). */
  get trustedProxies(): string[] | false {
    return this.TRUST_PROXY ? this.TRUST_PROXY.split(',').map((p) => p.trim()) : false;
  }

  /** The URL of the app's sessions: DATABASE_APP_URL when set, else the owner's DATABASE_URL. */
  get appDatabaseUrl(): string {
    return this.DATABASE_APP_URL ?? this.DATABASE_URL;
  }

  /** REDIS_URL and REDIS_CLUSTER_NODES read: every Redis connection the app opens goes there (src/redis/connections.ts). */
  get redis(): RedisTarget {
    const sentinel = SENTINEL_URL.exec(this.REDIS_URL);
    let credentials: { username?: string; password?: string };
    if (sentinel) {
      credentials = { username: decoded(sentinel[1]), password: decoded(sentinel[2]) };
    } else {
      const url = new URL(this.REDIS_URL);
      credentials = { username: decoded(url.username), password: decoded(url.password) };
    }
    if (this.REDIS_CLUSTER_NODES) {
      const tls = this.REDIS_URL.startsWith('rediss://');
      return { mode: 'cluster', nodes: endpoints(this.REDIS_CLUSTER_NODES), ...credentials, tls };
    }
    if (sentinel) {
      return {
        mode: 'sentinel',
        sentinels: endpoints(sentinel[3]),
        name: sentinel[4],
        ...credentials,
        sentinelPassword: this.REDIS_SENTINEL_PASSWORD,
      };
    }
    return { mode: 'standalone', url: this.REDIS_URL };
  }

  get runsApi(): boolean {
    return this.ROLE !== 'worker';
  }

  get runsWorker(): boolean {
    return this.ROLE !== 'api';
  }
}

const SECRETS = new Set([
  // May carry the password of Redis (redis://:password@…, redis+sentinel://:password@…).
  'REDIS_URL',
  'REDIS_SENTINEL_PASSWORD',
  'DATABASE_APP_URL',
  'DATABASE_REPLICA_URLS',
  'ADMIN_PASSWORD',
  'JWT_SECRET',
  'WEBHOOK_SECRET_KEY',
  'REPORT_SIGNING_KEY',
  'REPORT_KEY_SECRET',
  'METRICS_TOKEN',
]);
/** Settings without a default (so not own keys of a new AppConfig) that are not secrets. */
const OPTIONAL = [
  'ADMIN_USERNAME',
  'REDIS_CLUSTER_NODES',
  'TRUST_PROXY',
  'METRICS_PORT',
  'PUBLIC_URL',
  'SITE_ICP',
  'SITE_PSB',
  'SITE_GOV_ID',
];

export class ConfigError extends Error {}

/** Reads the known variables from `env`, applies defaults, and throws a ConfigError naming every bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // The optional settings without a default are not own keys of a new AppConfig.
  const known = Object.keys(new AppConfig()).concat(...OPTIONAL, ...SECRETS);
  const given: Record<string, string> = {};
  for (const name of known) {
    const value = env[name];
    if (value !== undefined && value !== '') given[name] = value;
  }
  const config = plainToInstance(AppConfig, given, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: true, stopAtFirstError: true });
  if (config.ADMIN_USERNAME && !config.ADMIN_PASSWORD) {
    throw new ConfigError('ADMIN_PASSWORD: must be set when ADMIN_USERNAME is set');
  }
  if (config.METRICS_PORT !== undefined && config.METRICS_PORT === config.PORT) {
    throw new ConfigError(`METRICS_PORT=${config.METRICS_PORT}: must differ from PORT`);
  }
  if (config.REDIS_SENTINEL_PASSWORD && !SENTINEL_URL.test(config.REDIS_URL)) {
    throw new ConfigError('REDIS_SENTINEL_PASSWORD: set, but REDIS_URL is not a redis+sentinel:// URL');
  }
  if (errors.length === 0 && config.REDIS_URL.startsWith('redis')) {
    try {
      void config.redis;
    } catch {
      throw new ConfigError('REDIS_URL: must be a redis:// URL ioredis can read');
    }
  }
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const shown = SECRETS.has(e.property) ? '(hidden)' : JSON.stringify(e.value);
      return `${e.property}=${shown}: ${Object.values(e.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return config;
}
