import { HttpStatus } from '@nestjs/common';

export interface FieldError {
  field: string;
  message: string;
}

/** The body of every error response (RFC 9457 problem details). */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** How many field errors a 400 lists, and how long a field name it echoes. */
export const MAX_LISTED_ERRORS = 100;
const MAX_FIELD_NAME = 100;

const shortened = (field: string) => (field.length > MAX_FIELD_NAME ? `${field.slice(0, MAX_FIELD_NAME - 1)}…` : field);

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_PREFIX = 'urn:quality-credit:problem:';

/**
 * A domain error with a stable code. Services throw these; one filter turns them into
 * problem+json, so a service never speaks HTTP beyond choosing the status.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }

  get type(): string {
    return TYPE_PREFIX + this.code;
  }

  /**
   * 400 naming the bad fields: at most MAX_LISTED_ERRORS of them (`detail` tells how many more
   * there were), each name cut to MAX_FIELD_NAME characters, since a name may be the client's
   * own (an unknown key of megabytes once came back doubled in the reply).
   */
  static validation(errors: FieldError[]): Problem {
    const listed = errors.slice(0, MAX_LISTED_ERRORS).map((e) => ({ ...e, field: shortened(e.field) }));
    const fields = [...new Set(listed.map((e) => e.field))].join(', ');
    const more = errors.length > listed.length ? ` and ${errors.length - listed.length} more` : '';
    return new Problem(HttpStatus.BAD_REQUEST, 'validation-failed', 'Invalid request', `Invalid: ${fields}${more}`, {
      errors: listed,
    });
  }

  static badRequest(code: string, detail: string): Problem {
    return new Problem(HttpStatus.BAD_REQUEST, code, 'Bad request', detail);
  }

  static notFound(what: string, id: string): Problem {
    return new Problem(HttpStatus.NOT_FOUND, 'not-found', 'Not found', `${what} ${id} does not exist`);
  }

  static conflict(code: string, detail: string, extensions: Record<string, unknown> = {}): Problem {
    return new Problem(HttpStatus.CONFLICT, code, 'Conflict', detail, extensions);
  }

  static unauthorized(detail: string): Problem {
    return new Problem(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Unauthorized', detail);
  }

  static forbidden(detail: string): Problem {
    return new Problem(HttpStatus.FORBIDDEN, 'forbidden', 'Forbidden', detail);
  }

  /** A dependency (the database, Redis, the upload volume) is out of service: 503, come back in `retryAfter` seconds. */
  static unavailable(code: string, detail: string, retryAfter: number): Problem {
    return new Problem(HttpStatus.SERVICE_UNAVAILABLE, code, 'Service unavailable', detail, { retryAfter });
  }

  /**
   * `detail` in a person's language: English as written; Chinese from the problem's own Chinese
   * text where it has one. (Interim: every problem gets its Chinese text in the Accept-Language work.)
   */
  localized(lang: 'zh' | 'en'): string {
    return lang === 'zh' ? (this.detailZh ?? this.detail) : this.detail;
  }

  /** The Chinese text of `detail`. */
  detailZh?: string;

  toBody(requestId?: string): ProblemBody {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...this.extensions,
      ...(requestId ? { requestId } : {}),
    };
  }
}

/** A problem for an HTTP status raised outside our code (router, body parser, framework). */
export function problemForStatus(status: number, detail: string): Problem {
  const title = (HttpStatus[status] ?? 'ERROR')
    .toString()
    .toLowerCase()
    .split('_')
    .map((w, i) => (i === 0 ? w[0].toUpperCase() + w.slice(1) : w))
    .join(' ');
  const code = title.toLowerCase().replace(/ /g, '-');
  return new Problem(status, code, title, detail);
}
