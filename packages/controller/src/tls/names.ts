import { isIP } from 'node:net';

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * What a certificate name is: `ip` for an IPv4 or IPv6 address, `dns` for a host name (letters,
 * digits and hyphens in dot-separated labels, no wildcards), `undefined` for anything else —
 * which is never passed to openssl.
 */
export function certificateNameKind(name: string): 'ip' | 'dns' | undefined {
  if (isIP(name) !== 0) return 'ip';
  if (name.length > 253) return undefined;
  return name.split('.').every((label) => dnsLabel.test(label)) ? 'dns' : undefined;
}

/** `name` as the host part of a URL: IPv6 addresses in brackets. */
export function urlHost(name: string): string {
  return isIP(name) === 6 ? `[${name}]` : name;
}
