import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { BlacklistWorld } from './blacklist';
import { RETRACTION } from './fixtures';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  /** The secrets whose signature the request carried, as the standardwebhooks package found. */
  verifiedWith: string[];
}

/**
 * How an integrator verifies with the standardwebhooks package: a `whsec_` secret as it is, a
 * secret chosen before (any text) as its UTF-8 bytes in the raw format.
 */
export function verifier(secret: string): Webhook {
  return secret.startsWith('whsec_')
    ? new Webhook(secret)
    : new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
}

/** Whether the standardwebhooks package accepts the request as signed with `secret`. */
export function verifies(secret: string, r: Pick<Received, 'body' | 'headers'>): boolean {
  try {
    verifier(secret).verify(r.body, r.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

/**
 * A webhook receiver on 127.0.0.1 that records every request and answers as `answer` says. Every
 * request must verify (standardwebhooks) with each secret the test expects on its path
 * (`expectSigned`); one that does not is listed in `unverified`, and `checkVerified()` (run it
 * after each test) fails the test.
 */
export class Receiver {
  readonly received: Received[] = [];
  readonly unverified: string[] = [];
  private readonly secrets = new Map<string, readonly string[]>();
  /** The answer to the `n`th request (from 0) to `path`, whose body is `body`. */
  answer: (path: string, n: number, body: string) => { status: number; headers?: Record<string, string> } = () => ({
    status: 200,
  });
  private constructor(private readonly server: Server) {}

  /** From now on every request to `path` must carry a valid signature of each of `secrets`. */
  expectSigned(path: string, ...secrets: string[]): void {
    this.secrets.set(path, secrets);
  }

  /** Throws when a request did not verify with every secret expected on its path. */
  checkVerified(): void {
    if (this.unverified.length)
      throw new Error(`webhook deliveries failed verification:\n${this.unverified.join('\n')}`);
  }

  private verify(path: string, headers: IncomingHttpHeaders, body: string): string[] {
    const expected = this.secrets.get(path);
    if (!expected?.length) {
      this.unverified.push(`${path}: no secret expected for this path`);
      return [];
    }
    const verifiedWith = expected.filter((secret) => verifies(secret, { headers, body }));
    for (const secret of expected.filter((s) => !verifiedWith.includes(s))) {
      this.unverified.push(`${path} ${String(headers['webhook-id'])}: not signed with ${secret.slice(0, 10)}…`);
    }
    return verifiedWith;
  }

  static async start(): Promise<Receiver> {
    const receiver: Receiver = new Receiver(
      createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const path = req.url ?? '/';
          const body = Buffer.concat(chunks).toString('utf8');
          const verifiedWith = receiver.verify(path, req.headers, body);
          const { status, headers } = receiver.answer(path, receiver.on(path).length, body);
          receiver.received.push({ path, headers: req.headers, body, status, verifiedWith });
          res.writeHead(status, headers).end();
        });
      }),
    );
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Records a disclosed penalty for `uscc` and withdraws it: a `record.retracted` event. */
export async function retractedRecord(w: BlacklistWorld, uscc: string, documentNo: string): Promise<void> {
  const record = await w.call('proposer', 'POST', `/enterprises/${uscc}/records`, RETRACTION.penalty(documentNo));
  if (record.statusCode !== 201) throw new Error(`record: ${record.statusCode} ${record.body}`);
  const withdrawn = await w.call('proposer', 'POST', `/records/${record.json().id}/corrections`, RETRACTION.withdrawal);
  if (withdrawn.statusCode !== 201) throw new Error(`withdrawal: ${withdrawn.statusCode} ${withdrawn.body}`);
}
