import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { send } from './webhook-sender';

/** The sender checks the address it is connected to, for IP literals as for names. */
describe('webhook sender: address guard', () => {
  let server: Server;
  let port: number;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(req.url ?? '/');
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (received.length = 0));

  const post = (url: string, allowPrivate: boolean) => send({ url, body: '{}', headers: {}, allowPrivate });

  it.each([
    ['an IPv4 literal', (p: number) => `http://127.0.0.1:${p}/v4`],
    ['an IPv4-mapped IPv6 literal', (p: number) => `http://[::ffff:127.0.0.1]:${p}/mapped`],
    ['a name', (p: number) => `http://localhost:${p}/name`],
  ])('refuses %s that reaches loopback, and sends nothing', async (_what, url) => {
    const attempt = await post(url(port), false);
    expect(attempt).toMatchObject({ ok: false, statusCode: null });
    expect(attempt.error).toMatch(/not a public address/);
    expect(received).toEqual([]);
  });

  it('delivers to loopback when private addresses are allowed', async () => {
    const attempt = await post(`http://127.0.0.1:${port}/allowed`, true);
    expect(attempt).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(received).toEqual(['/allowed']);
  });
});
