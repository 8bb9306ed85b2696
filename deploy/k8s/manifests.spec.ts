import { getMetadataStorage } from 'class-validator';
import { IDeployment, Deployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  HorizontalPodAutoscaler,
  IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { IJob, Job } from 'kubernetes-models/batch/v1/Job';
import { INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { IProbe } from 'kubernetes-models/v1/Probe';
import { ISecret, Secret } from 'kubernetes-models/v1/Secret';
import { IService, Service } from 'kubernetes-models/v1/Service';
import { IScaledObject, ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import {
  ITriggerAuthentication,
  TriggerAuthentication,
} from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { routesOf } from '../../src/access/access-routes';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { bullPrefix } from '../../src/jobs/bull-connections';
import { QueueName } from '../../src/jobs/queues';
import { apiControllers, operationsControllers, pageControllers } from '../../src/routes';

/**
 * The Kubernetes manifests of deploy/k8s, checked as `kubectl apply` and the app would take them:
 * every document against its kind's schema (kubernetes-models, @kubernetes-models/keda), with no
 * field the schema does not know (the API server refuses those too, since kubectl validates
 * strictly); then what the schemas cannot know: the settings are the app's and valid, the probes
 * ask routes the role serves, the autoscaler reads Bull's real lists, and every name that points at
 * another object (selectors, targets, volumes, secrets, ports) finds it.
 */

/**
 * The kinds the manifests may hold, each with its model; another kind is a problem (add it here).
 * Their base class, with validate(), declares its types under package.json `exports` only, which
 * this project's `moduleResolution: node` does not read: hence `object` here.
 */
const MODELS: Record<string, new (data: object) => object> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

const COMPOSE = join(__dirname, '../../docker-compose.yml');

/** The label whose objects `kubectl apply -l` applies before the rollout (migrate-job.yaml). */
const MIGRATE_STEP = ['quality-credit/rollout', 'migrate'] as const;

/** Every setting the app reads: the validated properties of AppConfig. */
const SETTINGS = new Set(
  getMetadataStorage()
    .getTargetValidationMetadatas(AppConfig, '', true, false)
    .map((m) => m.propertyName),
);

/** The database's owner, as an operator fills it in where the manifests hold it (qc-migrate). */
const OWNER_URL = 'postgres://owner:secret@pg-primary:5432/quality_credit';
const OWNER = new URL(OWNER_URL).username;

/** The Secrets whose DATABASE_URL is the owner's, not FILLED's qc_app login. */
const FILLED_BY_SECRET: Record<string, Record<string, string>> = { 'qc-migrate': { DATABASE_URL: OWNER_URL } };

/** What an operator puts in place of the Secrets' placeholders, to check the settings as a whole. */
const FILLED: Record<string, string> = {
  DATABASE_URL: 'postgres://registry_app:secret@pg-primary:5432/quality_credit',
  DATABASE_REPLICA_URLS:
    'postgres://ro:secret@pg-replica-0:5432/quality_credit,postgres://ro:secret@pg-replica-1:5432/quality_credit',
  REDIS_URL: 'redis://:secret@redis:6379',
  ADMIN_PASSWORD: 'twelve-or-more',
  JWT_SECRET: 'j'.repeat(32),
  WEBHOOK_SECRET_KEY: 'w'.repeat(32),
  REPORT_KEY_SECRET: 'r'.repeat(32),
  METRICS_TOKEN: 'm'.repeat(16),
};

/** The GET routes each role serves: a worker only the operations' (health, metrics). */
const getRoutes = (controllers: Parameters<typeof routesOf>[0]) =>
  new Set(
    routesOf(controllers)
      .filter((r) => r.method === 'GET')
      .map((r) => r.path),
  );
const SERVED = {
  worker: getRoutes(operationsControllers),
  api: getRoutes([...operationsControllers, ...apiControllers, ...pageControllers]),
};

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  /** Where it is written: `api.yaml Deployment/qc-api`. */
  at: string;
}

/**
 * Runs `model`'s schema validation and names the fields the schema does not know. The compiled
 * validators (Ajv's) read each property their schema declares and enumerate only the objects
 * that are maps (labels, ConfigMap data), so a field neither read nor enumerated is unknown: a
 * typo such as `livenesProbe`, which the schemas themselves let through (they allow extra fields).
 */
function schemaProblems(model: object): string[] {
  const read = new Map<object, Set<string>>();
  const enumerated = new Set<object>();
  const proxies = new WeakMap<object, object>();
  const track = (target: object): object => {
    let proxy = proxies.get(target);
    if (!proxy) {
      read.set(target, new Set());
      proxy = new Proxy(target, {
        get(object, key, receiver) {
          const value: unknown = Reflect.get(object, key, receiver);
          if (typeof key === 'string') read.get(object)!.add(key);
          return value !== null && typeof value === 'object' ? track(value) : value;
        },
        ownKeys(object) {
          enumerated.add(object);
          return Reflect.ownKeys(object);
        },
      });
      proxies.set(target, proxy);
    }
    return proxy;
  };
  try {
    (model as { validate(): void }).validate.call(track(model));
  } catch (error) {
    return [(error as Error).message];
  }
  const unknown: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${path}[${i}]`));
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (enumerated.has(value) || read.get(value)?.has(key)) walk(child, at);
      else unknown.push(`unknown field ${at}`);
    }
  };
  walk(model, '');
  return unknown;
}

/** Whether `selector` (matchLabels only: the manifests use nothing else) selects `labels`. */
function selects(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  if ('matchExpressions' in selector && selector.matchExpressions)
    throw new Error('matchExpressions: not checked here');
  const wanted = ('matchLabels' in selector ? selector.matchLabels : selector) as Record<string, string> | undefined;
  return Object.entries(wanted ?? {}).every(([key, value]) => labels?.[key] === value);
}

/** `30s`, `1m30s` (a Compose duration) in seconds. */
const seconds = (duration: string) =>
  [...duration.matchAll(/(\d+)(h|m|s)/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit]!,
    0,
  );

/** The manifests' problems, as sentences naming the file and object; none when all is well. */
export function problemsOf(dir: string): string[] {
  const problems: string[] = [];
  const problem = (where: string, what: string): void => void problems.push(`${where}: ${what}`);

  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort();
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    resources?: string[];
    images?: { name: string }[];
  };
  const listed = kustomization.resources ?? [];
  for (const file of files) if (!listed.includes(file)) problem('kustomization.yaml', `${file} is not in resources`);
  for (const file of listed) if (!files.includes(file)) problem('kustomization.yaml', `${file} is listed but missing`);

  // Each document against its kind's schema.
  const objects: K8sObject[] = [];
  for (const file of files) {
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).forEach((document, index) => {
      const where = `${file} document ${index + 1}`;
      if (document.errors.length) return problem(where, document.errors.map((e) => e.message).join('; '));
      const value = document.toJS() as K8sObject | null;
      if (value === null) return;
      const Model = MODELS[`${value.apiVersion}/${value.kind}`];
      if (!Model) return problem(where, `unknown kind ${value.apiVersion} ${value.kind}`);
      const at = `${file} ${value.kind}/${value.metadata?.name}`;
      for (const found of schemaProblems(new Model(value))) problem(at, found);
      objects.push({ ...value, at });
    });
  }
  const all = <T>(kind: string) => objects.filter((o) => o.kind === kind) as unknown as (T & K8sObject)[];
  const named = <T>(kind: string, name: string | undefined) =>
    all<T>(kind).find((o) => o.metadata.name === name) as (T & K8sObject) | undefined;

  const namespaces = all<object>('Namespace').map((n) => n.metadata.name);
  for (const o of objects)
    if (o.kind !== 'Namespace' && !namespaces.includes(o.metadata.namespace ?? ''))
      problem(o.at, `namespace ${o.metadata.namespace} is not one of the manifests' (${namespaces.join(', ')})`);

  // The workloads' pods: their environment, as settings of the app, and what they serve.
  const images = new Set((kustomization.images ?? []).map((i) => i.name));
  const workloads = [...all<IDeployment>('Deployment'), ...all<IJob>('Job')];
  const podSpec = (w: (typeof workloads)[number]) => w.spec?.template.spec as IPodSpec;
  const podLabels = (w: (typeof workloads)[number]) => w.spec?.template.metadata?.labels;
  const configOf = new Map<string, AppConfig>();
  for (const workload of workloads) {
    const spec = podSpec(workload);
    for (const volume of spec.volumes ?? [])
      if (volume.persistentVolumeClaim && !named('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName))
        problem(workload.at, `volume ${volume.name}: no claim ${volume.persistentVolumeClaim.claimName}`);
    for (const container of spec.containers) {
      const where = `${workload.at} container ${container.name}`;
      if (!images.has(container.image ?? '')) problem(where, `image ${container.image} is not kustomization.yaml's`);
      const env = environmentOf(container, objects, (what) => problem(where, what));
      for (const [name, { value, secret }] of env) {
        if (!SETTINGS.has(name)) problem(where, `${name} is not a setting of the app (src/config/app-config.ts)`);
        else if (secret && value === undefined) problem(where, `${name}: no filled-in value in this check's FILLED`);
      }
      let config: AppConfig;
      try {
        config = loadConfig(Object.fromEntries([...env].map(([name, { value }]) => [name, value])));
      } catch (error) {
        problem(where, `the app refuses its settings: ${(error as Error).message}`);
        continue;
      }
      configOf.set(workload.metadata.name, config);
      const login = (url: string) => new URL(url).username;
      if (workload.kind === 'Job') {
        if (login(config.DATABASE_URL) !== OWNER) problem(where, `DATABASE_URL is not the owner's: it cannot migrate`);
        continue;
      }

      // The worker's entry point runs as ROLE=worker whatever ROLE says (src/worker.ts).
      const role = container.command?.includes('dist/src/worker.js') ? 'worker' : config.ROLE;
      // The app's design (docs/audit.md): DATABASE_URL the owner, for migrations and the owner's
      // upkeep; the app's sessions a qc_app login. The workers run the query log's monthly upkeep,
      // which only the owner may (src/sharing/query-log/), so they hold both; the api holds no owner.
      const owners = [...env].filter(([, { value }]) => value && /^postgres/.test(value) && login(value) === OWNER);
      if (role === 'worker') {
        if (login(config.DATABASE_URL) !== OWNER)
          problem(where, `DATABASE_URL is not the owner's: the query log's months cannot be kept`);
        if (login(config.appDatabaseUrl) === OWNER)
          problem(where, `DATABASE_APP_URL is not a qc_app login: the app's sessions would be the owner's`);
      } else if (owners.length)
        problem(
          where,
          `${owners.map(([name]) => name).join(', ')}: the owner's credential, which the api must not hold`,
        );
      const listening: Record<string, number | undefined> = { http: config.PORT, metrics: config.METRICS_PORT };
      for (const port of container.ports ?? [])
        if (!port.name || listening[port.name] !== port.containerPort)
          problem(
            where,
            `port ${port.name ?? ''} ${port.containerPort} is not where the app listens (PORT, METRICS_PORT)`,
          );
      const probes = {
        startupProbe: container.startupProbe,
        livenessProbe: container.livenessProbe,
        readinessProbe: container.readinessProbe,
      };
      for (const [kind, probe] of Object.entries(probes) as [string, IProbe | undefined][]) {
        if (!probe) problem(where, `no ${kind}`);
        else if (!probe.httpGet) problem(where, `${kind} is not an HTTP GET (the app serves /health on both roles)`);
        else {
          const { path, port } = probe.httpGet;
          if (!SERVED[role === 'worker' ? 'worker' : 'api'].has(path ?? ''))
            problem(where, `${kind} asks ${path}, not a GET route of the ${role} role`);
          if (port !== config.PORT && port !== 'http') problem(where, `${kind} asks port ${port}, not PORT`);
        }
      }
      const preStop = container.lifecycle?.preStop?.exec?.command;
      if (preStop?.[0] === 'sleep') {
        // The drain the app is allowed after its preStop sleep: docker-compose.yml's, for the same app.
        const compose = parse(readFileSync(COMPOSE, 'utf8')) as {
          'x-app': { stop_grace_period: string };
        };
        const drain = seconds(compose['x-app'].stop_grace_period);
        const grace = (workload.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) - Number(preStop[1]);
        if (grace < drain) problem(where, `after the preStop sleep, ${grace} s to drain; the app is given ${drain} s`);
      }
    }
  }
  const podsOf = (selector: Parameters<typeof selects>[0]) => workloads.filter((w) => selects(selector, podLabels(w)));
  const containerPorts = (pods: typeof workloads) =>
    new Set(pods.flatMap((w) => podSpec(w).containers.flatMap((c: IContainer) => (c.ports ?? []).map((p) => p.name))));

  for (const deployment of all<IDeployment>('Deployment'))
    if (!selects(deployment.spec?.selector, podLabels(deployment)))
      problem(deployment.at, 'its selector does not select its own pods');
  for (const service of all<IService>('Service')) {
    const pods = podsOf(service.spec?.selector);
    if (!pods.length) problem(service.at, 'its selector selects no pods');
    for (const port of service.spec?.ports ?? [])
      if (typeof port.targetPort === 'string' && !containerPorts(pods).has(port.targetPort))
        problem(service.at, `targetPort ${port.targetPort} is no port of its pods`);
  }
  for (const budget of all<IPodDisruptionBudget>('PodDisruptionBudget'))
    if (podsOf(budget.spec?.selector).filter((w) => w.kind === 'Deployment').length !== 1)
      problem(budget.at, 'its selector does not select the pods of exactly one Deployment');
  for (const policy of all<INetworkPolicy>('NetworkPolicy')) {
    const pods = podsOf(policy.spec?.podSelector);
    if (!pods.length) problem(policy.at, 'its podSelector selects no pods');
    for (const rule of policy.spec?.ingress ?? [])
      for (const port of rule.ports ?? [])
        if (typeof port.port === 'string' && !containerPorts(pods).has(port.port))
          problem(policy.at, `port ${port.port} is no port of its pods`);
  }

  // The autoscalers: each on a Deployment of its own, which leaves the count to it.
  const scaled = new Map<string, string>();
  const target = (at: string, ref: { kind?: string; name: string }) => {
    const deployment =
      (ref.kind ?? 'Deployment') === 'Deployment' ? named<IDeployment>('Deployment', ref.name) : undefined;
    if (!deployment) {
      problem(at, `scales ${ref.kind ?? 'Deployment'}/${ref.name}, not a Deployment here`);
      return undefined;
    }
    if (scaled.has(ref.name)) problem(at, `${ref.name} is scaled by ${scaled.get(ref.name)} too`);
    scaled.set(ref.name, at);
    if (deployment.spec?.replicas !== undefined) problem(deployment.at, 'sets replicas, which its autoscaler owns');
    return deployment;
  };
  for (const hpa of all<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler')) target(hpa.at, hpa.spec!.scaleTargetRef);
  for (const scaler of all<IScaledObject>('ScaledObject')) {
    const deployment = target(scaler.at, scaler.spec!.scaleTargetRef);
    const config = deployment && configOf.get(deployment.metadata.name);
    const container = deployment && podSpec(deployment).containers[0];
    for (const trigger of scaler.spec!.triggers) {
      const { metadata } = trigger as { metadata: Record<string, string> };
      if (!/^redis/.test(trigger.type)) continue;
      // Bull's waiting jobs: the list <prefix>:<queue>:wait (Queue#toKey), its prefix the app's.
      const lists = config ? Object.values(QueueName).map((queue) => `${bullPrefix(config)}:${queue}:wait`) : [];
      if (!lists.includes(metadata.listName))
        problem(scaler.at, `list ${metadata.listName} is none of Bull's waiting lists (${lists.join(', ')})`);
      // KEDA reads these variables out of the target's container.
      for (const [key, name] of Object.entries(metadata))
        if (key.endsWith('FromEnv') && !environmentOf(container, objects).has(name))
          problem(scaler.at, `${key}: ${name} is not in ${deployment?.metadata.name}'s environment`);
      const auth = trigger.authenticationRef;
      if (auth) {
        const found = named<ITriggerAuthentication>('TriggerAuthentication', auth.name);
        if (!found) problem(scaler.at, `no TriggerAuthentication ${auth.name}`);
        for (const ref of found?.spec?.secretTargetRef ?? []) {
          const secret = named<ISecret>('Secret', ref.name);
          if (!secret || !(ref.key in { ...secret.data, ...secret.stringData }))
            problem(found!.at, `no Secret ${ref.name} with ${ref.key}`);
        }
      }
    }
  }

  // The migration step applies the Job with everything it needs, and nothing of the rollout.
  const [label, step] = MIGRATE_STEP;
  const inStep = (o: K8sObject) => o.metadata.labels?.[label] === step;
  for (const job of all<IJob>('Job')) {
    const needs: K8sObject[] = [
      ...all<object>('Namespace'),
      ...podSpec(job).containers.flatMap((c: IContainer) =>
        (c.envFrom ?? []).flatMap((f) => [
          named<object>('ConfigMap', f.configMapRef?.name),
          named<object>('Secret', f.secretRef?.name),
        ]),
      ),
      ...all<INetworkPolicy>('NetworkPolicy').filter((p) => selects(p.spec?.podSelector, podLabels(job))),
    ].filter((o): o is K8sObject => o !== undefined);
    for (const o of [job, ...needs])
      if (!inStep(o)) problem(o.at, `${job.metadata.name} needs it, but it is not labelled ${label}=${step}`);
  }
  for (const o of all<IDeployment>('Deployment'))
    if (inStep(o)) problem(o.at, `labelled ${label}=${step}: the migration step would roll it out`);
  return problems;
}

/**
 * `container`'s environment (envFrom's ConfigMaps and Secrets, then env), each variable with its
 * value; a Secret's variables carry FILLED's value instead of the placeholder, and say they are
 * secret.
 */
function environmentOf(
  container: IContainer | undefined,
  objects: K8sObject[],
  problem: (what: string) => void = () => undefined,
): Map<string, { value: string | undefined; secret: boolean }> {
  const env = new Map<string, { value: string | undefined; secret: boolean }>();
  const find = <T>(kind: string, name: string | undefined) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name) as (T & K8sObject) | undefined;
  for (const from of container?.envFrom ?? []) {
    if (from.configMapRef) {
      const map = find<IConfigMap>('ConfigMap', from.configMapRef.name);
      if (!map) problem(`no ConfigMap ${from.configMapRef.name}`);
      for (const [name, value] of Object.entries(map?.data ?? {})) env.set(name, { value, secret: false });
    }
    if (from.secretRef) {
      const secret = find<ISecret>('Secret', from.secretRef.name);
      if (!secret) problem(`no Secret ${from.secretRef.name}`);
      for (const name of Object.keys({ ...secret?.data, ...secret?.stringData }))
        env.set(name, { value: filled(from.secretRef.name, name), secret: true });
    }
  }
  for (const variable of container?.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) {
      env.set(variable.name, { value: variable.value, secret: false });
      continue;
    }
    const secret = find<ISecret>('Secret', ref.name);
    if (!secret || !(ref.key in { ...secret.data, ...secret.stringData }))
      problem(`${variable.name}: no Secret ${ref.name} with ${ref.key}`);
    env.set(variable.name, { value: filled(ref.name, ref.key), secret: true });
  }
  return env;
}

/** What an operator fills in for `key` of Secret `secret`. */
const filled = (secret: string | undefined, key: string): string | undefined =>
  FILLED_BY_SECRET[secret ?? '']?.[key] ?? FILLED[key];

/** Whether the app, given only `name=value`, refuses to start and names `name`. */
function refuses(name: string, value: string): boolean {
  try {
    loadConfig({ [name]: value });
    return false;
  } catch (error) {
    return (error as Error).message.includes(name);
  }
}

describe('the Kubernetes manifests (deploy/k8s)', () => {
  it('validate against their schemas and agree with the app and with each other', () => {
    expect(problemsOf(__dirname)).toEqual([]);
  });

  it('hold placeholders in the Secrets that the app refuses, so a forgotten one stops its start', () => {
    const accepted: string[] = [];
    for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.yaml')))
      for (const document of parseAllDocuments(readFileSync(join(__dirname, file), 'utf8'))) {
        const secret = document.toJS() as ISecret | null;
        if (secret?.kind !== 'Secret') continue;
        for (const [name, value] of Object.entries(secret.stringData ?? {}))
          if (SETTINGS.has(name) && !refuses(name, value)) accepted.push(`${secret.metadata?.name} ${name}=${value}`);
      }
    expect(accepted).toEqual([]);
  });

  describe('name what is broken in a copy:', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'qc-k8s-'));
      for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.yaml')))
        copyFileSync(join(__dirname, file), join(dir, file));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it.each([
      [
        'a field misspelt',
        'api.yaml',
        'livenessProbe:',
        'livenesProbe:',
        'api.yaml Deployment/qc-api: unknown field spec.template.spec.containers[0].livenesProbe',
      ],
      [
        'a kind unknown',
        'api.yaml',
        'apiVersion: autoscaling/v2',
        'apiVersion: autoscaling/v3',
        'unknown kind autoscaling/v3 HorizontalPodAutoscaler',
      ],
      [
        'a value of the wrong type',
        'api.yaml',
        'averageUtilization: 70',
        'averageUtilization: seventy',
        'averageUtilization must be integer',
      ],
      [
        'a probe on no route',
        'api.yaml',
        'path: /health/ready',
        'path: /healthz',
        'readinessProbe asks /healthz, not a GET route of the api role',
      ],
      [
        'a probe on a route the worker does not serve',
        'worker.yaml',
        'path: /health/ready',
        'path: /api/v1/auth/me',
        'readinessProbe asks /api/v1/auth/me, not a GET route of the worker role',
      ],
      [
        'a setting the app does not know',
        'config.yaml',
        'LOG_LEVEL: info',
        'LOGLEVEL: info',
        'LOGLEVEL is not a setting of the app',
      ],
      [
        'a setting the app refuses',
        'config.yaml',
        "REPLICA_MAX_LAG_MS: '2000'",
        'REPLICA_MAX_LAG_MS: 2s',
        'the app refuses its settings: Invalid configuration:\n  REPLICA_MAX_LAG_MS="2s"',
      ],
      [
        'a port the app does not listen on',
        'config.yaml',
        "METRICS_PORT: '9464'",
        "METRICS_PORT: '9100'",
        'port metrics 9464 is not where the app listens',
      ],
      [
        'a list Bull does not keep',
        'worker.yaml',
        "'{qc:bull}:imports:wait'",
        "'{qc:bull}:import:wait'",
        'list {qc:bull}:import:wait is none of Bull',
      ],
      [
        'an autoscaler on nothing',
        'api.yaml',
        'name: qc-api\n  # Two',
        'name: qc-apl\n  # Two',
        'scales Deployment/qc-apl, not a Deployment here',
      ],
      [
        'a Service on no port',
        'api.yaml',
        'targetPort: http',
        'targetPort: web',
        'targetPort web is no port of its pods',
      ],
      [
        'a budget on no pods',
        'worker.yaml',
        'maxUnavailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: quality-credit\n      app.kubernetes.io/component: worker',
        'maxUnavailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: quality-credit\n      app.kubernetes.io/component: workers',
        'PodDisruptionBudget/qc-worker: its selector does not select the pods of exactly one Deployment',
      ],
      [
        'a policy on a port no pod has',
        'network-policy.yaml',
        'port: metrics }',
        'port: metric }',
        'port metric is no port of its pods',
      ],
      [
        'a file left out of the kustomization',
        'kustomization.yaml',
        '  - storage.yaml\n',
        '',
        'storage.yaml is not in resources',
      ],
      [
        'a worker without the owner',
        'worker.yaml',
        'secretKeyRef: { name: qc-migrate, key: DATABASE_URL }',
        'secretKeyRef: { name: qc-env, key: DATABASE_URL }',
        "Deployment/qc-worker container worker: DATABASE_URL is not the owner's: the query log's months cannot be kept",
      ],
      [
        'a worker whose sessions are the owner',
        'worker.yaml',
        'secretKeyRef: { name: qc-env, key: DATABASE_URL }',
        'secretKeyRef: { name: qc-migrate, key: DATABASE_URL }',
        'DATABASE_APP_URL is not a qc_app login',
      ],
      [
        'the owner given to the api',
        'api.yaml',
        '            - secretRef: { name: qc-env }',
        '            - secretRef: { name: qc-env }\n            - secretRef: { name: qc-migrate }',
        "Deployment/qc-api container api: DATABASE_URL: the owner's credential, which the api must not hold",
      ],
      [
        'the migration step without the Job',
        'migrate-job.yaml',
        '    quality-credit/rollout: migrate\nspec:',
        'spec:',
        'qc-migrate needs it, but it is not labelled quality-credit/rollout=migrate',
      ],
    ])('%s', (_what, file, from, to, expected) => {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).toContain(from);
      writeFileSync(join(dir, file), text.replace(from, to));
      expect(problemsOf(dir)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
    });
  });
});
