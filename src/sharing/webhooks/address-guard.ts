import ipaddr from 'ipaddr.js';
import { lookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import { connect as tcpConnect, isIP } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/**
 * IPv6 prefixes whose last 32 bits are an IPv4 address the packet ends up at: IPv4-compatible
 * (::/96, deprecated but still routed by some stacks), IPv4-mapped, SIIT's IPv4-translated, and
 * the well-known NAT64 prefix. 6to4 (2002::/16) carries its IPv4 address in bits 16–47.
 */
const TAIL_V4 = ['::/96', '::ffff:0:0/96', '::ffff:0:0:0/96', '64:ff9b::/96'].map((cidr) => ipaddr.parseCIDR(cidr));
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16');

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = address.parts;
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  if (TAIL_V4.some((cidr) => address.match(cidr))) return v4(p[6], p[7]);
  if (address.match(SIX_TO_FOUR)) return v4(p[1], p[2]);
  return null;
}

/**
 * Where a webhook may point. Only public unicast addresses: ipaddr.js names every special range
 * (loopback, private, link-local, unique-local, CGNAT, multicast, documentation, Teredo, …). An
 * IPv6 address that carries an IPv4 address (mapped, compatible, NAT64, 6to4) is judged as the
 * IPv4 address it carries, so `[::127.0.0.1]` or `[64:ff9b::a9fe:a9fe]` is as refused as the
 * address inside it.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  const judged = parsed.kind() === 'ipv6' ? (embeddedIPv4(parsed as ipaddr.IPv6) ?? parsed) : parsed;
  return judged.range() === 'unicast';
}

export class AddressRefused extends Error {}

/**
 * Refuses a private `address`. The message names no address the caller did not write (a name's
 * internal addresses stay unsaid), since it reaches the webhook's owner.
 */
function refuseUnlessPublic(host: string, address: string, allowPrivate: boolean): void {
  if (!allowPrivate && !isPublicAddress(address)) {
    throw new AddressRefused(
      host === address
        ? `${address} is not a public address`
        : `${host} resolves to an address that is not a public address`,
    );
  }
}

/** Every address `host` resolves to, refused whole if any is not public (unless private ones are allowed). */
export async function resolveAllowed(host: string, allowPrivate: boolean): Promise<LookupAddress[]> {
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    lookup(host, { all: true, verbatim: true }, (error, found) => (error ? reject(error) : resolve(found))),
  );
  for (const a of addresses) refuseUnlessPublic(host, a.address, allowPrivate);
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect that checks what it resolves, so the connection goes to an address
 * that was checked (a name cannot resolve to a public address when checked and to a private one
 * when connected).
 */
function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolveAllowed(hostname, allowPrivate).then(
      (addresses) => {
        const wanted = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
        if (!wanted.length)
          return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}

export interface GuardedTarget {
  /** The URL's host: a name, or an IP literal without brackets. */
  host: string;
  port: number;
  tls: boolean;
  allowPrivate: boolean;
}

/**
 * `createConnection` for http(s).request that only hands over a socket once the address it is
 * actually connected to has been checked. Node skips `lookup` for IP literals, so the guarded
 * lookup alone would let `http://127.0.0.1/` through: a literal is checked before connecting, and
 * the check on the connected socket's remoteAddress covers literals and names alike, before a
 * byte of the request (or a TLS hello) is written.
 */
export function guardedConnection({ host, port, tls, allowPrivate }: GuardedTarget) {
  return (_options: unknown, oncreate: (error: Error | null, socket: Duplex) => void): undefined => {
    let done = false;
    // With an error, http ignores the socket (the raw one, destroyed, is passed for the type's sake).
    const settle = (error: Error | null, socket: Duplex = raw): void => {
      if (done) return;
      done = true;
      oncreate(error, socket);
    };
    // An IP literal is checked before connecting: a refused one gets no handshake, so whether its
    // port is open never shows in the delivery's error.
    if (isIP(host)) {
      try {
        refuseUnlessPublic(host, host, allowPrivate);
      } catch (error) {
        const none = new PassThrough();
        none.destroy();
        process.nextTick(() => settle(error as Error, none));
        return undefined;
      }
    }
    const raw = tcpConnect({ host, port, lookup: guardedLookup(allowPrivate) });
    raw.once('error', (error) => settle(error));
    raw.once('connect', () => {
      try {
        refuseUnlessPublic(host, raw.remoteAddress ?? '', allowPrivate);
      } catch (error) {
        raw.destroy();
        return settle(error as Error);
      }
      settle(null, tls ? tlsConnect({ socket: raw, host, servername: isIP(host) ? undefined : host }) : raw);
    });
    return undefined;
  };
}
