import { QueryFailedError } from 'typeorm';

/** PostgreSQL's SQLSTATE and constraint name of a failed query, when it is one. */
export function pgError(error: unknown): { code: string; constraint?: string } | null {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code ? { code: driverError.code, constraint: driverError.constraint } : null;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';

type Translate = (constraint: string | undefined) => Error | undefined;

/**
 * Awaits `work`, turning a unique or foreign-key violation into the domain error that `map`
 * gives for its constraint (the database is the last word on both; the service says what it means).
 */
export async function mapConstraintErrors<T>(
  work: Promise<T>,
  map: { unique?: Translate; foreignKey?: Translate },
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const pg = pgError(error);
    const translate =
      pg?.code === UNIQUE_VIOLATION ? map.unique : pg?.code === FOREIGN_KEY_VIOLATION ? map.foreignKey : undefined;
    throw translate?.(pg?.constraint) ?? error;
  }
}
