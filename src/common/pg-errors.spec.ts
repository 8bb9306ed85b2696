import { QueryFailedError } from 'typeorm';
import { databaseUnavailable } from './pg-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const failedQuery = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('databaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['the server shutting down (57P01)', failedQuery(withCode('terminating connection', '57P01'))],
    ['the server starting (57P03)', withCode('the database system is starting up', '57P03')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a connection cut mid-query', failedQuery(new Error('Connection terminated unexpectedly'))],
    ['no connection from the pool in time', new Error('timeout exceeded when trying to connect')],
    ['PgBouncer losing its server (08P01)', failedQuery(withCode('server conn crashed?', '08P01'))],
    ['PgBouncer with no server to connect to (08P01)', withCode('pgbouncer cannot connect to server', '08P01')],
    [
      'a write that reached a standby mid-failover (25006)',
      failedQuery(withCode('cannot execute INSERT in a read-only transaction', '25006')),
    ],
  ])('is true for %s', (_, error) => {
    expect(databaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', failedQuery(withCode('duplicate key', '23505'))],
    ['a syntax error', failedQuery(withCode('syntax error', '42601'))],
    ['a programming error', new TypeError('x is undefined')],
    ['an outgoing call that failed', new TypeError('fetch failed', { cause: withCode('reset', 'ECONNRESET') })],
    ['not an error', 'ECONNREFUSED'],
  ])('is false for %s', (_, error) => {
    expect(databaseUnavailable(error)).toBe(false);
  });
});
