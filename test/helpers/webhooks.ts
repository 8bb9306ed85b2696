import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { BlacklistWorld } from './blacklist';
import { RETRACTION } from './fixtures';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers as `answer` says. */
export class Receiver {
  readonly received: Received[] = [];
  answer: (path: string, n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const receiver: Receiver = new Receiver(
      createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const path = req.url ?? '/';
          const { status, headers } = receiver.answer(path, receiver.on(path).length);
          receiver.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
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
