/**
 * The enterprises a set-based read covers: named ones (after a change), or every one of a key
 * range (a chunk of a full recompute). Modules that keep rows per enterprise take it in their
 * bulk read methods, so a chunk is one call per module, whichever way it was named.
 */
export type EnterpriseScope = { enterpriseIds: string[] } | { fromId: string; toId: string };

/**
 * The condition on `column` (an enterprise id) for `scope` and its parameters, numbered from $1.
 * A key range stays a range: the planner reads it as one index range scan, where a long array
 * of ids at a small table's scale can turn into a sequential scan per chunk.
 */
export function enterpriseScopeWhere(column: string, scope: EnterpriseScope): [condition: string, params: unknown[]] {
  return 'enterpriseIds' in scope
    ? [`${column} = ANY($1::bigint[])`, [scope.enterpriseIds]]
    : [`${column} BETWEEN $1 AND $2`, [scope.fromId, scope.toId]];
}
