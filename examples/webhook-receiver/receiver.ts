/**
 * A webhook receiver for the quality-credit registry, in TypeScript: a plain Node HTTP server
 * that verifies every delivery with the `standardwebhooks` package before it trusts the body.
 *
 *   WEBHOOK_SECRETS='whsec_…' PORT=8080 npx tsx examples/webhook-receiver/receiver.ts
 *
 * WEBHOOK_SECRETS holds one secret, or two separated by a space while a rotation overlaps (the
 * registry then signs with both; either verifies). Subscribe `http(s)://<this host>:8080/webhooks`.
 * The test test/e2e/sharing/webhook-receivers.e2e-spec.ts runs this file against signed deliveries.
 *
 * 接收端示例（TypeScript）：用 standardwebhooks 包校验每次推送的签名与时间戳，通过后才处理事件。
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

/** The body of every delivery (an outbox event, or a `ping`). */
export interface Delivery {
  /** The same as the `webhook-id` header; the same on every retry and replay of one event. */
  id: string;
  /** The event's place in the registry's outbox; null on a ping. */
  seq: number | null;
  type: 'classification.changed' | 'blacklist.published' | 'blacklist.removed' | 'record.retracted' | 'ping';
  uscc: string | null;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** Largest body read: deliveries are small JSON documents. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A verifier per secret: a `whsec_<base64>` secret as Standard Webhooks defines it (the key is the
 * decoded bytes), or, for a secret chosen as plain text, its UTF-8 bytes.
 */
function verifiers(secrets: string[]): Webhook[] {
  return secrets.map((secret) =>
    secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' }),
  );
}

/**
 * The delivery, once its signature verifies with one of the secrets and its timestamp is within
 * five minutes of this clock (the package's tolerance: a replayed capture is refused); else null.
 */
export function verifyDelivery(secrets: string[], body: Buffer, headers: Record<string, string>): Delivery | null {
  for (const webhook of verifiers(secrets)) {
    try {
      return webhook.verify(body, headers) as Delivery;
    } catch {
      // not this secret (or a bad signature or time): try the next one
    }
  }
  return null;
}

function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * An HTTP server taking deliveries on POST /webhooks: 204 once `handle` has taken a verified
 * one (the registry then sends the next), 401 when the signature or timestamp does not verify,
 * 500 when `handle` fails (the registry retries later). Deliveries come at least once and in
 * order per subscription; a retry or a requested replay carries the same `webhook-id`, so
 * `handle` should be idempotent (for example, keyed by `delivery.id`).
 */
export function webhookReceiver(secrets: string[], handle: (delivery: Delivery) => void | Promise<void>): Server {
  return createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || request.url !== '/webhooks') return response.writeHead(404).end();
      const body = await readBody(request);
      if (!body) return response.writeHead(413).end();
      const headers: Record<string, string> = {};
      for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const delivery = verifyDelivery(secrets, body, headers);
      if (!delivery) return response.writeHead(401).end();
      try {
        await handle(delivery);
        response.writeHead(204).end();
      } catch {
        response.writeHead(500).end();
      }
    })().catch(() => response.writeHead(500).end());
  });
}

if (require.main === module) {
  const secrets = (process.env.WEBHOOK_SECRETS ?? '').split(' ').filter(Boolean);
  if (!secrets.length)
    throw new Error('set WEBHOOK_SECRETS to the subscription secret (two, space-separated, during a rotation)');
  const port = Number(process.env.PORT ?? 8080);
  webhookReceiver(secrets, (delivery) => {
    console.log(`${delivery.type} ${delivery.id} seq=${delivery.seq ?? '-'} ${delivery.uscc ?? ''}`);
  }).listen(port, () => console.log(`listening on http://localhost:${port}/webhooks`));
}
