import { Agent, request as httpRequest } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Call {
  method?: string;
  token?: string;
  apiKey?: string;
  /** An object is sent as JSON; a string or Buffer as it is (with `contentType`). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  agent?: Agent | false;
  timeoutMs?: number;
}

/** Each request on a new connection unless the drill passes a keep-alive agent. */
const fresh = new Agent({ keepAlive: false, maxSockets: Infinity });

/**
 * One HTTP request over a real socket; rejects with the socket's error (ECONNRESET, ECONNREFUSED,
 * a timeout) so that a drill can count those apart from answers.
 */
export function send(url: string, call: Call = {}): Promise<Answer> {
  const raw =
    call.body === undefined
      ? undefined
      : typeof call.body === 'string' || Buffer.isBuffer(call.body)
        ? Buffer.from(call.body)
        : Buffer.from(JSON.stringify(call.body));
  const headers: Record<string, string> = {
    ...(raw ? { 'content-type': call.contentType ?? 'application/json', 'content-length': String(raw.length) } : {}),
    ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
    ...(call.apiKey ? { 'x-api-key': call.apiKey } : {}),
    ...call.headers,
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      url,
      { method: call.method ?? 'GET', headers, agent: call.agent ?? fresh, timeout: call.timeoutMs ?? 30_000 },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        // cut off before its end: settle, whatever the request side saw
        res.on('close', () => {
          if (!res.complete) reject(Object.assign(new Error('answer cut off'), { code: 'ECONNRESET' }));
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            ms: performance.now() - started,
            json: () => JSON.parse(body),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    // whether the request went out on a kept-alive socket (where a server closing it races with it)
    // A server that answers before reading the whole body (413) and closes makes the rest of the
    // write fail; once its answer has come, that answer is what the request got.
    req.on('error', (error) => {
      if (!answered) reject(Object.assign(error, { reusedSocket: req.reusedSocket }));
    });
    req.end(raw);
  });
}

export const get = (url: string, call: Call = {}) => send(url, { ...call, method: 'GET' });

/** A request that must succeed: the drill's own setup. */
export async function must(url: string, call: Call, status: number | number[]): Promise<Answer> {
  const answer = await send(url, call);
  const wanted = Array.isArray(status) ? status : [status];
  if (!wanted.includes(answer.status))
    throw new Error(`${call.method ?? 'GET'} ${url}: ${answer.status} ${answer.body.slice(0, 500)}`);
  return answer;
}
