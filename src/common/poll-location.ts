import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, tap } from 'rxjs';

/** Where a 202 answer's client polls, from the answer and the route's parameters. */
export type PollAddress<T> = (answer: T, params: Record<string, string>) => string;

export const POLL_METADATA = 'qc:poll-location';

/** @nestjs/swagger's key for a route's responses (API_RESPONSE_METADATA, not exported by the package). */
export const API_RESPONSE_METADATA = 'swagger/apiResponse';

/**
 * Marks a route answering 202 Accepted: its answer carries `Location`, the address where the
 * client follows the work it started (the import, the job, the subscription's deliveries). The
 * OpenAPI document names the header on the 202 response, whichever side of @ApiAcceptedResponse
 * this decorator stands. src/common/poll-location.spec.ts checks that every 202 route has one.
 */
export function PollAt<T>(address: PollAddress<T>, description: string, example: string) {
  return applyDecorators(
    SetMetadata(POLL_METADATA, address),
    UseInterceptors(PollLocation),
    locationHeader(description, example),
  );
}

/** Adds `Location` to the 202 response's headers in the route's OpenAPI metadata, keeping the rest of it. */
function locationHeader(description: string, example: string): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const responses = (Reflect.getMetadata(API_RESPONSE_METADATA, descriptor.value as object) ?? {}) as Record<
      string,
      { headers?: Record<string, unknown> }
    >;
    const accepted = responses['202'] ?? {};
    // A Location the route describes itself (with an example) stays.
    const headers = { Location: { description, schema: { type: 'string', example } }, ...accepted.headers };
    Reflect.defineMetadata(
      API_RESPONSE_METADATA,
      { ...responses, 202: { ...accepted, headers } },
      descriptor.value as object,
    );
    return descriptor;
  };
}

@Injectable()
export class PollLocation implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const address = this.reflector.get<PollAddress<unknown> | undefined>(POLL_METADATA, context.getHandler());
    const http = context.switchToHttp();
    const params = (http.getRequest<FastifyRequest>().params ?? {}) as Record<string, string>;
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      tap((answer) => {
        // A replayed answer (Idempotency-Key) brings its own Location.
        if (address && reply.getHeader('location') === undefined)
          void reply.header('Location', address(answer, params));
      }),
    );
  }
}

/** What the OpenAPI document shows as a job's Location. */
export const JOB_ADDRESS_EXAMPLE = '/api/v1/jobs/recompute-all:7';

/** The address of a background job: GET /api/v1/jobs/{jobId}. */
export const jobAddress = (answer: { jobId: string }): string =>
  `/api/v1/jobs/${encodeURIComponent(answer.jobId).replace(/%3A/g, ':')}`; // job ids hold colons, which a path may
