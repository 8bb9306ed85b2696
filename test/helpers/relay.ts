import { AddressInfo, createServer, Server, Socket } from 'node:net';

/**
 * A TCP relay to a shared server (PostgreSQL, Redis) that a test can take away and bring back:
 * an application connected through it sees that server go down, and no other test is touched.
 */
export class Relay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  /** `upstream`: the URL of the server the test app uses (TEST_DATABASE_SERVER may move PostgreSQL off 127.0.0.1:5432). */
  constructor(private readonly upstream: () => string) {}

  /** This relay's address in place of the server's in its URL. */
  url(): string {
    const url = new URL(this.upstream());
    url.host = `127.0.0.1:${this.port}`;
    return url.toString();
  }

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      const { protocol, hostname, port } = new URL(this.upstream());
      const defaultPort = protocol.startsWith('redis') ? 6379 : 5432;
      upstream.connect(Number(port || defaultPort), hostname.replace(/^\[(.*)\]$/, '$1'));
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The server is gone: open connections drop, new ones are refused. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
