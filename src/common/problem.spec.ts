import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NOT_FOUND_NOUNS, NotFoundNoun, Problem, problemForStatus, problemLanguage } from './problem';

const CHINESE = /[\u4e00-\u9fff]/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('problem language', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['zh', 'zh'],
    ['zh-CN', 'zh'],
    ['zh-Hans', 'zh'],
    ['zh-Hans-CN,zh;q=0.9', 'zh'],
    ['ZH-cn', 'zh'],
    ['en-US,en;q=0.9,zh-CN;q=0.8', 'en'],
    ['zh-CN;q=0.5, en;q=0.9', 'en'],
    ['en;q=0.4, zh;q=0.8', 'zh'],
    ['fr-FR, zh-CN;q=0.7', 'zh'],
    ['fr, de', 'en'],
    ['*', 'en'],
    ['zh;q=0', 'en'],
    ['zh;q=oops, en', 'en'],
    [['fr', 'zh-CN'], 'zh'],
  ])('%j answers in %s', (header, lang) => {
    expect(problemLanguage(header as string | string[] | undefined)).toBe(lang);
  });

  it('keeps the English detail as written and gives the Chinese on request', () => {
    const problem = Problem.conflict('duplicate-user', { en: 'User name a is taken', zh: '用户名 a 已被使用' });
    expect(problem.detail).toBe('User name a is taken');
    expect(problem.message).toBe('User name a is taken');
    expect(problem.toBody('r1').detail).toBe('User name a is taken');
    expect(problem.toBody('r1', 'zh')).toEqual({
      type: 'urn:quality-credit:problem:duplicate-user',
      title: 'Conflict',
      status: 409,
      detail: '用户名 a 已被使用',
      code: 'duplicate-user',
      requestId: 'r1',
    });
    expect(problem.localized('zh')).toBe('用户名 a 已被使用');
  });

  it('says in Chinese which fields are wrong, and how many more', () => {
    const errors = Array.from({ length: 102 }, (_, i) => ({ field: `f${i}`, message: 'bad' }));
    const problem = Problem.validation(errors);
    expect(problem.detail).toMatch(/^Invalid: f0, f1, .*, f99 and 2 more$/);
    expect(problem.detailZh).toMatch(/^以下字段不正确：f0, f1, .*, f99，另有 2 处$/);
    expect(Problem.validation([{ field: 'uscc', message: 'x' }]).localized('zh')).toBe('以下字段不正确：uscc');
  });
});

describe('every problem has Chinese', () => {
  it('names every thing a 404 can be about in Chinese', () => {
    for (const noun of Object.keys(NOT_FOUND_NOUNS) as NotFoundNoun[]) {
      const problem = Problem.notFound(noun, '7');
      expect(problem.detail).toBe(`${noun} 7 does not exist`);
      expect(problem.detailZh).toMatch(CHINESE);
      expect(problem.detailZh).toContain('7 不存在');
    }
  });

  it('gives every HTTP error status raised outside our code a Chinese text', () => {
    for (let status = 400; status < 600; status++) {
      expect(problemForStatus(status, 'framework text').detailZh).toMatch(CHINESE);
    }
  });

  it('writes every problem text in the sources with a Chinese `zh` beside its English', () => {
    const files = sources(join(__dirname, '..')).filter((f) =>
      /\bProblem\b|tooManyRequests|NO_INSTITUTION/.test(readFileSync(f, 'utf8')),
    );
    let texts = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/\ben: (['`])((?:\\.|(?!\1).)*)\1,?\s*zh: (['`])((?:\\.|(?!\3).)*)\3/gs)) {
        if (match[2] === 'en') continue; // PROBLEM_CONTENT_LANGUAGE
        texts++;
        expect({ file, zh: match[4] }).toEqual({ file, zh: expect.stringMatching(CHINESE) });
      }
      // A factory given a bare string would not compile; `new Problem(...)` with one neither (ProblemText).
      expect({ file, bare: /Problem\.(forbidden|unauthorized)\(\s*['`]/.test(source) }).toEqual({ file, bare: false });
    }
    expect(texts).toBeGreaterThan(60);
  });
});
