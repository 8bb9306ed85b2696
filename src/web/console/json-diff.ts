/**
 * A structural diff of two JSON documents, for the rule-set page: each value that changed, was
 * added or was removed, with its JSON pointer (`/thresholds/A: 90 → 92`).
 *
 * Written by hand (about forty lines) rather than taken from a library: the only diff package in
 * node_modules is jest-diff, a test dependency that compares text line by line, and the maintained
 * JSON-diff packages (jsondiffpatch, microdiff) are not installed. Rule sets are small (a few KB),
 * so a plain recursive walk is enough; arrays are compared position by position (hard rules are
 * few and their order matters to no one but the reader).
 */
export type JsonDiffEntry =
  | { kind: 'changed'; path: string; before: string; after: string }
  | { kind: 'added'; path: string; after: string }
  | { kind: 'removed'; path: string; before: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as the diff prints it: compact JSON. */
const show = (v: unknown) => JSON.stringify(v) ?? 'undefined';

/** One segment of a JSON pointer (RFC 6901). */
const segment = (key: string | number) => `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** What changed from `before` to `after`, in document order (keys of `before` first, then new ones). */
export function jsonDiff(before: unknown, after: unknown, path = ''): JsonDiffEntry[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    return keys.flatMap((key) => {
      const at = path + segment(key);
      if (!(key in after)) return [{ kind: 'removed' as const, path: at, before: show(before[key]) }];
      if (!(key in before)) return [{ kind: 'added' as const, path: at, after: show(after[key]) }];
      return jsonDiff(before[key], after[key], at);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => i).flatMap((i) => {
      const at = path + segment(i);
      if (i >= after.length) return [{ kind: 'removed' as const, path: at, before: show(before[i]) }];
      if (i >= before.length) return [{ kind: 'added' as const, path: at, after: show(after[i]) }];
      return jsonDiff(before[i], after[i], at);
    });
  }
  if (show(before) === show(after)) return [];
  return [{ kind: 'changed', path: path || '/', before: show(before), after: show(after) }];
}
