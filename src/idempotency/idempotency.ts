import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  Logger,
  NestInterceptor,
  OnModuleInit,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { catchError, from, Observable, of, switchMap, throwError } from 'rxjs';
import type { AuthenticatedRequest } from '../access/access.decorator';
import { bodyDigest, sha256 } from '../common/body-digest';
import { Clock } from '../common/clock';
import { Problem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { generatedSetting, open, seal, sealingKey } from '../database/secret-box';
import { IdempotencyKeysRepository, StoredAnswer } from './idempotency-keys.repository';

/** How long a key holds its first answer. */
export const KEY_KEPT_MS = 24 * 3_600_000;
/** A claim still pending after this long is taken to have died with its process: the key may be claimed again. */
const STALE_CLAIM_MS = 10 * 60_000;
/** Seconds a concurrent duplicate is asked to wait before asking again. */
const IN_FLIGHT_RETRY_S = 1;
/** A key: 1 to 255 visible ASCII characters (a UUID is usual). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** The headers of a first answer that its replays carry again. */
const KEPT_HEADERS = ['content-type', 'location'];

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotency-Replayed';

/**
 * Where a route's fingerprint comes from: `body`, the SHA-256 of the raw JSON body (before the
 * handler runs); `handler`, what the handler gives `claimIdempotency` once it has read a body it
 * streams (a multipart upload: the file's digest and the fields), before it does the work.
 */
export type FingerprintSource = 'body' | 'handler';

const IDEMPOTENT_METADATA = 'qc:idempotent';

/**
 * Honours `Idempotency-Key` on a POST (draft-ietf-httpapi-idempotency-key-header): the same caller
 * (API key or user) sending the same key with the same request within 24 hours gets the first
 * answer again (status, body, Content-Type and Location, and `Idempotency-Replayed: true`)
 * without the work being done twice; the same key with another request is a 422
 * `idempotency-key-reused`; a duplicate arriving while the first is still at work is a 409
 * `idempotency-key-in-use` with Retry-After. Only successful answers are kept: a refused or
 * failed request frees its key, so it may be corrected and sent again with the same key.
 */
export function Idempotent(source: FingerprintSource = 'body') {
  return applyDecorators(
    SetMetadata(IDEMPOTENT_METADATA, source),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'A unique value (a UUID) per operation: sent again with the same request within 24 hours, the first answer comes back (with `Idempotency-Replayed: true`) and nothing is done twice',
      schema: { type: 'string', maxLength: 255, example: '0d6c1bb4-5b1a-4c3e-9f0e-8b7f4a1c2d3e' },
    }),
    ApiConflictResponse({ description: 'idempotency-key-in-use: the first request with this key is still at work' }),
    ApiUnprocessableEntityResponse({
      description: 'idempotency-key-reused: this key was sent with a different request in the last 24 hours',
    }),
  );
}

/** A claim that found its key's answer: the handler stops and the interceptor sends it again. */
class Replay extends Error {
  constructor(readonly answer: StoredAnswer) {
    super('idempotent replay');
  }
}

interface Claim {
  caller: string;
  key: string;
  claimId: string;
}

type Claimer = (digest: Buffer) => Promise<void>;

/** The claim a request holds until its answer is sent; the handler's claimer on `handler` routes. */
const claims = new WeakMap<object, Claim>();
const claimers = new WeakMap<object, Claimer>();

/**
 * For a route marked `@Idempotent('handler')`: call once the body is read, with a digest of what
 * identifies the request (a multipart upload's file and fields), before doing the work. Throws
 * (409, 422, or the replay the interceptor answers with) when the key is held; does nothing on a
 * request without `Idempotency-Key` or on a route that is not marked.
 */
export async function claimIdempotency(request: FastifyRequest, digest: Buffer): Promise<void> {
  await claimers.get(request)?.(digest);
}

@Injectable()
export class IdempotencyKeys implements OnModuleInit {
  private readonly logger = new Logger(IdempotencyKeys.name);
  /** Kept answers are sealed (AES-256-GCM): one may hold a secret shown once, such as a webhook's. */
  private sealing!: Buffer;

  constructor(
    private readonly keys: IdempotencyKeysRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const material =
      this.config.WEBHOOK_SECRET_KEY ?? (await generatedSetting(this.dataSource, 'idempotency_answer_key')).value;
    this.sealing = sealingKey('idempotent-answers', material);
  }

  /**
   * Claims `key` for this caller and request, or says why not: the stored answer to send again,
   * or a Problem (another request, or the same one still at work).
   */
  async claim(request: FastifyRequest, caller: string, key: string, digest: Buffer): Promise<StoredAnswer | null> {
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const fingerprint = sha256(Buffer.concat([Buffer.from(`${route}\n`), digest]));
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock.now();
      const claimId = randomUUID();
      const fresh = { caller, key, claimId, route, fingerprint, now, expiresAt: new Date(now.getTime() + KEY_KEPT_MS) };
      if (await this.keys.claim(fresh, new Date(now.getTime() - STALE_CLAIM_MS))) {
        claims.set(request, { caller, key, claimId });
        return null;
      }
      const held = await this.keys.held(caller, key, now);
      if (!held) continue; // released or expired meanwhile: claim it again
      if (!held.fingerprint.equals(fingerprint)) throw reused(held.route);
      if (held.answer) return { ...held.answer, body: this.unsealed(held.answer.body, caller, key) };
      throw inUse();
    }
    throw inUse();
  }

  /**
   * A kept answer's body. Sealed with WEBHOOK_SECRET_KEY (or a generated key): if that was set or
   * changed since, the answer cannot be read, and the key cannot give it again (409, not a 500).
   */
  private unsealed(sealed: Buffer, caller: string, key: string): Buffer {
    try {
      return Buffer.from(open(this.sealing, sealed, `${caller}\n${key}`), 'utf8');
    } catch {
      throw Problem.conflict('idempotency-answer-unavailable', {
        en: "The first answer to this Idempotency-Key can no longer be read (the server's sealing key changed); send the request with a new key",
        zh: '此 Idempotency-Key 的首次回答已无法读取（服务器的加密密钥已更换），请使用新的键重新发送请求',
      });
    }
  }

  /** Keeps the answer the claim's request got (a success), or frees the key (anything else). */
  async settle(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const claim = claims.get(request);
    if (!claim) return;
    claims.delete(request);
    const { caller, key, claimId } = claim;
    const ok = reply.statusCode >= 200 && reply.statusCode < 300;
    const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : null;
    try {
      if (!ok || !body) return await this.keys.release(caller, key, claimId);
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const sealed = seal(this.sealing, body.toString('utf8'), `${caller}\n${key}`);
      await this.keys.complete(caller, key, claimId, { status: reply.statusCode, headers, body: sealed });
    } catch (error) {
      // The answer goes out regardless; the key stays pending until it is stale, then may be claimed again.
      this.logger.error({ msg: `Idempotency-Key ${key} of ${caller}: the answer could not be kept`, err: error });
    }
  }

  /** Settles each claim as its answer is sent: after the handler, so the answer is exactly what the client got. */
  install(fastify: FastifyInstance): void {
    // Callback style: the many requests that hold no claim pass on at once, with no promise made for them.
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (!claims.has(request)) return done(null, payload);
      const go = () => done(null, payload);
      void this.settle(request, reply, payload).then(go, go);
    });
  }
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: IdempotencyKeys,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const reply = http.getResponse<FastifyReply>();
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) return next.handle();
    const key = Array.isArray(header) ? header.join(',') : header;
    if (!KEY_PATTERN.test(key)) {
      throw Problem.badRequest('idempotency-key-invalid', {
        en: 'Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID',
        zh: 'Idempotency-Key 须为 1 至 255 个可见 ASCII 字符，例如一个 UUID',
      });
    }
    const principal = request.principal;
    if (!principal) return next.handle(); // never on these routes: each needs a caller
    // A person's keys are theirs as a member of their institution: moved to another, they do not
    // get back the answers (a webhook's secret) given for the one they left.
    const caller =
      principal.kind === 'key'
        ? `key:${principal.keyId}`
        : `user:${principal.userId}:${principal.institutionId ?? principal.uscc ?? '-'}`;
    const source = this.reflector.get<FingerprintSource>(IDEMPOTENT_METADATA, context.getHandler());
    const replay = (answer: StoredAnswer) => {
      void reply.status(answer.status);
      for (const [name, value] of Object.entries(answer.headers)) void reply.header(name, value);
      void reply.header(REPLAYED_HEADER, 'true');
      return answer.body;
    };
    if (source === 'handler') {
      claimers.set(request, async (digest) => {
        const answer = await this.keys.claim(request, caller, key, digest);
        if (answer) throw new Replay(answer);
      });
      return next
        .handle()
        .pipe(
          catchError((error: unknown) =>
            error instanceof Replay ? of(replay(error.answer)) : throwError(() => error),
          ),
        );
    }
    return from(this.keys.claim(request, caller, key, bodyDigest(request))).pipe(
      switchMap((answer) => (answer ? of(replay(answer)) : next.handle())),
    );
  }
}

function reused(first: string): Problem {
  return new Problem(HttpStatus.UNPROCESSABLE_ENTITY, 'idempotency-key-reused', 'Unprocessable content', {
    en: `This Idempotency-Key was used in the last 24 hours with a different request (${first}); use a new key for a new request`,
    zh: `此 Idempotency-Key 在 24 小时内已用于另一个请求（${first}），新的请求请使用新的键`,
  });
}

function inUse(): Problem {
  return Problem.conflict(
    'idempotency-key-in-use',
    {
      en: 'A request with this Idempotency-Key is still being processed; retry shortly to get its answer',
      zh: '使用此 Idempotency-Key 的请求仍在处理中，请稍后重试以获取其结果',
    },
    { retryAfter: IN_FLIGHT_RETRY_S },
  );
}
