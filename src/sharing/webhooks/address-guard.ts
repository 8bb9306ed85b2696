import ipaddr from 'ipaddr.js';
import { lookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';

/**
 * Where a webhook may point. Only public unicast addresses: ipaddr.js names every special range
 * (loopback, private, link-local, unique-local, CGNAT, multicast, documentation, 6to4, Teredo, …)
 * and an IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

export class AddressRefused extends Error {}

/** Every address `host` resolves to, refused whole if any is not public (unless private ones are allowed). */
export async function resolveAllowed(host: string, allowPrivate: boolean): Promise<LookupAddress[]> {
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    lookup(host, { all: true, verbatim: true }, (error, found) => (error ? reject(error) : resolve(found))),
  );
  if (!allowPrivate) {
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) throw new AddressRefused(`${host} resolves to ${refused.address}, which is not a public address`);
  }
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that checks what it resolves, so the connection goes to the
 * address that was checked (a name cannot resolve to a public address when checked and to a
 * private one when connected).
 */
export function guardedLookup(allowPrivate: boolean) {
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
