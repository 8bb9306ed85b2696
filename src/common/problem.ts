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
  /** The stable code, also the end of `type`. */
  code: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** A problem's `detail` in both languages the API speaks: English (the default, as the tests assert it) and Chinese. */
export interface ProblemText {
  en: string;
  zh: string;
}

export type ProblemLang = keyof ProblemText;

/** What `Problem.notFound` names, in Chinese: a 404's `detail` reads "信用记录 12 不存在". */
export const NOT_FOUND_NOUNS = {
  'API key': 'API 密钥',
  'Blacklist entry': '黑名单条目',
  'Calendar day': '工作日历中的日期',
  'Classification of': '企业的分类结果',
  'Correction request': '纠错申请',
  Department: '部门',
  Document: '文书',
  Enterprise: '企业',
  'Evidence file': '证据材料',
  'Export of': '数据导出',
  Import: '导入',
  Institution: '机构',
  Job: '任务',
  Move: '操作',
  Objection: '异议',
  Record: '信用记录',
  Report: '信用报告',
  Template: '导入模板',
  'Repair application': '信用修复申请',
  'Rule set': '分类标准',
  Screening: '批量筛查结果',
  User: '用户',
  'Watched code': '关注的信用代码',
  Webhook: 'Webhook 订阅',
} as const;
export type NotFoundNoun = keyof typeof NOT_FOUND_NOUNS;

/** Chinese for an HTTP status raised outside our code (router, body parser), whose English text is the framework's. */
const STATUS_ZH: Record<number, string> = {
  400: '请求无法解析',
  401: '需要登录',
  403: '无权访问',
  404: '请求的地址不存在',
  405: '不支持该请求方法',
  406: '无法按要求的格式答复',
  408: '请求超时',
  413: '请求内容过大',
  414: '请求地址过长',
  415: '不支持该内容类型',
  429: '请求过于频繁，请稍后再试',
  431: '请求头过大',
  500: '服务器内部错误',
  502: '上游服务出错',
  503: '服务暂时不可用，请稍后再试',
};

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
  /** `detail` in English, as the API answers by default. */
  readonly detail: string;
  /** `detail` in Chinese. */
  readonly detailZh: string;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    text: ProblemText,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(text.en);
    this.detail = text.en;
    this.detailZh = text.zh;
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
    const extra = errors.length - listed.length;
    return new Problem(
      HttpStatus.BAD_REQUEST,
      'validation-failed',
      'Invalid request',
      {
        en: `Invalid: ${fields}${extra > 0 ? ` and ${extra} more` : ''}`,
        zh: `以下字段不正确：${fields}${extra > 0 ? `，另有 ${extra} 处` : ''}`,
      },
      { errors: listed },
    );
  }

  static badRequest(code: string, text: ProblemText): Problem {
    return new Problem(HttpStatus.BAD_REQUEST, code, 'Bad request', text);
  }

  /** 404 naming what was looked for: `Record 12 does not exist` / `信用记录 12 不存在`. */
  static notFound(what: NotFoundNoun, id: string): Problem {
    return new Problem(HttpStatus.NOT_FOUND, 'not-found', 'Not found', {
      en: `${what} ${id} does not exist`,
      zh: `${NOT_FOUND_NOUNS[what]} ${id} 不存在`,
    });
  }

  static conflict(code: string, text: ProblemText, extensions: Record<string, unknown> = {}): Problem {
    return new Problem(HttpStatus.CONFLICT, code, 'Conflict', text, extensions);
  }

  static unauthorized(text: ProblemText): Problem {
    return new Problem(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Unauthorized', text);
  }

  static forbidden(text: ProblemText): Problem {
    return new Problem(HttpStatus.FORBIDDEN, 'forbidden', 'Forbidden', text);
  }

  /** A dependency (the database, Redis, the upload volume) is out of service: 503, come back in `retryAfter` seconds. */
  static unavailable(code: string, text: ProblemText, retryAfter: number): Problem {
    return new Problem(HttpStatus.SERVICE_UNAVAILABLE, code, 'Service unavailable', text, { retryAfter });
  }

  /** `detail` in a person's language. */
  localized(lang: ProblemLang): string {
    return lang === 'zh' ? this.detailZh : this.detail;
  }

  /** The problem+json body, its `detail` in `lang` (English by default). */
  toBody(requestId?: string, lang: ProblemLang = 'en'): ProblemBody {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.localized(lang),
      code: this.code,
      ...this.extensions,
      ...(requestId ? { requestId } : {}),
    };
  }
}

/**
 * A problem for an HTTP status raised outside our code (router, body parser, framework): the
 * framework's English text, and in Chinese what the status means.
 */
export function problemForStatus(status: number, detail: string): Problem {
  const title = (HttpStatus[status] ?? 'ERROR')
    .toString()
    .toLowerCase()
    .split('_')
    .map((w, i) => (i === 0 ? w[0].toUpperCase() + w.slice(1) : w))
    .join(' ');
  const code = title.toLowerCase().replace(/ /g, '-');
  return new Problem(status, code, title, { en: detail, zh: STATUS_ZH[status] ?? `请求未能完成（HTTP ${status}）` });
}

/**
 * The language a problem answers in, from `Accept-Language`: Chinese when the most preferred
 * language the API speaks is Chinese (`zh`, `zh-CN`, `zh-Hans`, any `zh-…`), otherwise English.
 * Ranges with q=0 are refused; `*` and other languages do not choose.
 */
export function problemLanguage(acceptLanguage: string | string[] | undefined): ProblemLang {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '');
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      // A q that does not parse drops its range, as RFC 9110 has invalid ranges ignored.
      const q = params.find((p) => /^\s*q\s*=/.test(p));
      return { tag: tag.trim(), q: q ? Number(/^\s*q\s*=\s*([0-9.]+)\s*$/.exec(q)?.[1] ?? NaN) : 1, index };
    })
    .filter((r) => r.tag && r.q > 0 && !Number.isNaN(r.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    const primary = tag.split('-')[0];
    if (primary === 'zh') return 'zh';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

/** The `Content-Language` of a problem in this language. */
export const PROBLEM_CONTENT_LANGUAGE: Record<ProblemLang, string> = { en: 'en', zh: 'zh-CN' };
