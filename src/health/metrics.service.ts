import { getQueueToken } from '@nestjs/bull';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ReadReplicas } from '../database/read-replicas';
import { JobFailures } from '../jobs/job-failures';
import { QueueName } from '../jobs/queues';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'paused'] as const;

/**
 * Prometheus metrics of this process: HTTP latency by route, queue depths, jobs that failed for
 * good (counted by the worker process that ran them), Node defaults.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route pattern',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly jobsFailed = new Counter({
    name: 'queue_jobs_failed_total',
    help: 'Bull jobs that failed for good (last attempt failed, or stalled too often), by queue and job name',
    labelNames: ['queue', 'name'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly jobFailures: JobFailures,
    private readonly replicas: ReadReplicas,
  ) {}

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry });
    this.jobFailures.onFinalFailure(null, ({ queue, job }) =>
      this.jobsFailed.inc({ queue, name: job?.name ?? 'unknown' }),
    );
    this.registry.registerMetric(this.replicas.reads);
    const replicas = this.replicas;
    new Gauge({
      name: 'db_replica_lag_seconds',
      help: "Each read replica's replay lag behind the primary, measured every second (absent while it does not answer)",
      labelNames: ['replica'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of replicas.state()) if (r.lagMs !== null) this.set({ replica: r.name }, r.lagMs / 1000);
      },
    });
    new Gauge({
      name: 'db_replica_in_use',
      help: 'Whether reads go to each replica (1) or it is skipped, too far behind or not answering (0)',
      labelNames: ['replica'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of replicas.state()) this.set({ replica: r.name }, r.inUse ? 1 : 0);
      },
    });
    const queues = Object.values(QueueName).map((name) =>
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    );
    new Gauge({
      name: 'queue_jobs',
      help: 'Bull jobs by queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts().then((c) => [q.name, c] as const)));
        for (const [queue, count] of counts) {
          for (const state of QUEUE_STATES)
            this.set({ queue, state }, (count as unknown as Record<string, number>)[state] ?? 0);
        }
      },
    });
  }

  /** Times every request by its route pattern (not its URL, so label values stay bounded). */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.httpDuration.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}
