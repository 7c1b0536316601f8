// Which `Host` headers the server answers to. Without MODA_PUBLIC_URL, links (LFS hrefs, commit
// URLs) are built from the Host of each request, and a page on a DNS-rebound name would be same-origin
// with the API; so, as Django's ALLOWED_HOSTS does, a request naming any other host is refused.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Config } from '../config/config.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const WILDCARD_ADDRESSES = new Set(['', '0.0.0.0', '::', '[::]']);

/** `example.com:8080` → `example.com`, `[::1]:80` → `::1`, lower-cased. */
export function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']') < 0 ? undefined : lower.indexOf(']'));
  const colon = lower.indexOf(':');
  return (colon < 0 ? lower : lower.slice(0, colon)).replace(/\.$/, '');
}

function isLoopback(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || hostname.endsWith('.localhost') || (isIP(hostname) === 4 && hostname.startsWith('127.'));
}

/** The addresses of this machine's interfaces: what a client reaching a wildcard bind may name. */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((entry) => (entry ? [entry.address.toLowerCase().replace(/%.*$/, '')] : []));
}

/** A predicate over Host header values, built once from the configuration. */
export function allowedHostCheck(config: Pick<Config, 'host' | 'publicUrl' | 'allowedHosts'>): (host: string | undefined) => boolean {
  if (config.allowedHosts.includes('*')) return () => true;
  const exact = new Set(config.allowedHosts.filter((entry) => entry.includes(':') && !entry.startsWith('[') && isIP(entry) === 0));
  const names = new Set(config.allowedHosts.filter((entry) => !exact.has(entry)).map(hostnameOf));
  if (config.publicUrl) names.add(new URL(config.publicUrl).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  const listen = hostnameOf(config.host);
  if (WILDCARD_ADDRESSES.has(config.host.trim())) for (const address of interfaceAddresses()) names.add(address);
  else names.add(listen);
  return (host) => {
    // HTTP/1.0 clients may send none; links then use `localhost`, which is safe.
    if (host === undefined || host === '') return true;
    const hostname = hostnameOf(host);
    return isLoopback(hostname) || names.has(hostname) || exact.has(host.trim().toLowerCase());
  };
}
