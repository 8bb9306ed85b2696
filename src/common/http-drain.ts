import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * From the first moment of a shutdown, how long kept-alive connections have to send their next
 * request (answered with `Connection: close`) before those still idle are closed.
 */
const DRAIN_GRACE_MS = 500;

/**
 * A clean drain of the HTTP server on SIGTERM. Nest runs the destroy hooks (jobs finishing, pools
 * closing) before it closes the server, and Node then closes idle kept-alive connections at once:
 * a client that had just sent its next request on one saw it reset. So from the first moment
 * (this provider sits in the root module, whose destroy hooks run first) every response asks
 * its client to close the connection, and a connection still idle after DRAIN_GRACE_MS is
 * closed; the server itself closes no sooner than that. A busy connection thus ends after an
 * answer, never under a request; only a client that sends on a long-idle connection at the very
 * instant it is closed can still meet a reset. The listening socket is closed at the first
 * moment too: a newcomer is refused (ECONNREFUSED, which its client knows was never sent) rather
 * than accepted and then reset when the process exits. Every response also carries its request id.
 */
@Injectable()
export class HttpDrain implements OnModuleDestroy {
  private drainingSince?: number;
  /** Whether the server was listening when the drain began (not so in tests that only inject). */
  private wasListening = false;
  private fastify?: FastifyInstance;

  /** Hooks onto the server; called before the routes are registered. */
  install(fastify: FastifyInstance): void {
    this.fastify = fastify;
    fastify.addHook('onSend', (request, reply, payload, done) => {
      void reply.header('X-Request-Id', request.id);
      if (this.drainingSince !== undefined) void reply.header('Connection', 'close');
      done(null, payload);
    });
    fastify.addHook('preClose', async () => {
      this.start();
      if (!this.wasListening) return;
      const left = this.drainingSince! + DRAIN_GRACE_MS - Date.now();
      if (left > 0) await sleep(left);
    });
  }

  onModuleDestroy(): void {
    this.start();
  }

  private start(): void {
    if (this.drainingSince !== undefined) return;
    this.drainingSince = Date.now();
    const server = this.fastify?.server;
    if (!server?.listening) return;
    this.wasListening = true;
    // net's close, not http's: http.Server#close also closes the idle kept-alive connections at
    // once, which the grace is there to spare. Fastify's own close later closes the server again
    // and still waits for the open connections (Node answers that second close when they end).
    NetServer.prototype.close.call(server);
    setTimeout(() => server.closeIdleConnections(), DRAIN_GRACE_MS).unref();
  }
}
