import type { FastifyRequest } from 'fastify';
import { fromThisSite } from './page-session';

describe('fromThisSite', () => {
  const request = (host: string, headers: Record<string, string>) =>
    ({ host, protocol: 'http', headers }) as unknown as FastifyRequest;

  it('takes a post whose Origin (or Referer) names this host, with or without its default port', () => {
    expect(fromThisSite(request('localhost:80', { origin: 'http://localhost:80' }))).toBe(true);
    expect(fromThisSite(request('localhost', { origin: 'http://localhost' }))).toBe(true);
    expect(fromThisSite(request('127.0.0.1:3000', { referer: 'http://127.0.0.1:3000/console' }))).toBe(true);
  });

  it('refuses another site, another port, `null` and a post with neither header', () => {
    expect(fromThisSite(request('localhost', { origin: 'http://evil.example' }))).toBe(false);
    expect(fromThisSite(request('localhost:3000', { origin: 'http://localhost:3001' }))).toBe(false);
    expect(fromThisSite(request('localhost', { origin: 'null' }))).toBe(false);
    expect(fromThisSite(request('localhost', {}))).toBe(false);
  });
});
