import { QueryFailedError } from 'typeorm';

/** PostgreSQL's SQLSTATE and constraint name of a failed query, when it is one. */
export function pgError(error: unknown): { code: string; constraint?: string } | null {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code ? { code: driverError.code, constraint: driverError.constraint } : null;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
