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

/**
 * SQLSTATEs of a server that is shutting down, starting, out of connections, or a standby (a write
 * that reached it while a failover was under way: 25006); class 08, connection exceptions, below.
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
/**
 * Class 08: the connection failed. PgBouncer reports its server connection lost, or no server to
 * be had, as 08P01 (`server conn crashed?`, `pgbouncer cannot connect to server`).
 */
const CONNECTION_EXCEPTION = /^08/;
/** Socket errors of a server that cannot be reached. */
const UNAVAILABLE_SOCKETS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What pg and pg-pool say, without a code, when a connection ends or cannot be had in time. */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/**
 * Whether `error` says the database cannot be reached right now (down, restarting, cut off, or
 * no connection to be had in time), as opposed to a fault of the statement: the request may be
 * retried later. Looks through TypeORM's QueryFailedError to the driver's error (not through
 * other causes: a failed outgoing call, such as a webhook's, is not the database).
 */
export function databaseUnavailable(error: unknown): boolean {
  // Duck-typed: socket errors are made by Node's core, whose Error is another realm's under Jest.
  const e = (error instanceof QueryFailedError ? error.driverError : error) as { code?: unknown; message?: unknown };
  if (typeof e !== 'object' || e === null || typeof e.message !== 'string') return false;
  const { code } = e;
  if (
    typeof code === 'string' &&
    (UNAVAILABLE_STATES.has(code) || CONNECTION_EXCEPTION.test(code) || UNAVAILABLE_SOCKETS.has(code))
  )
    return true;
  return UNAVAILABLE_MESSAGES.test(e.message);
}
