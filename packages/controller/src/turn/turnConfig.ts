import path from 'node:path';
import { z } from 'zod';

/** UDP ports the bridges' media use (`rtpPortsFor` in bridge/launchers/shared/launchSupport.ts: 400 blocks of 100 from 20000). */
export const bridgeMediaPorts: readonly [number, number] = [20_000, 59_999];

const port = z.coerce.number().int().min(1).max(65535);
const turnUrl = /^turns?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/;
const turnUrls = z
  .string()
  .transform((text) => text.split(',').map((url) => url.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(turnUrl, 'must be turn:<host>[:<port>][?transport=udp|tcp] or turns:…')).min(1, 'needs at least one URL').max(8, 'at most 8 URLs'));
const relayPorts = z
  .string()
  .regex(/^\d+-\d+$/, 'must be <first>-<last>')
  .transform((text) => text.split('-').map(Number) as [number, number])
  .refine(([first, last]) => first >= 1024 && last <= 65535 && first < last, 'must be a range of ports 1024–65535, first < last')
  .refine(([first, last]) => last < bridgeMediaPorts[0] || first > bridgeMediaPorts[1], `must not overlap the bridges' media ports ${bridgeMediaPorts.join('-')}`);

/**
 * The TURN relay's settings, as `PLENUM_*` variables, each with its default. Browsers behind
 * NAT or firewalls that drop UDP reach the bridges through it; see docs/configuration.md.
 */
export const turnConfigFields = {
  /**
   * `embedded`: the controller runs coturn itself on the media public address; `external`: a
   * TURN server run elsewhere that shares `PLENUM_TURN_SECRET` (coturn `use-auth-secret`);
   * `off`: no TURN, browsers must reach the bridges directly. Default `embedded`.
   */
  PLENUM_TURN: z.enum(['embedded', 'external', 'off']).default('embedded'),
  /** external: comma-separated `turn:`/`turns:` URLs of the TURN server (1–8). Required with `external`; no default. */
  PLENUM_TURN_URLS: turnUrls.optional(),
  /** external: the TURN server's shared secret (`static-auth-secret`), at least 16 characters. Required with `external`; never logged. */
  PLENUM_TURN_SECRET: z.string().min(16, 'must have at least 16 characters').optional(),
  /** embedded: UDP and TCP listening port. Default 3478. */
  PLENUM_TURN_PORT: port.default(3478),
  /** embedded: TURN over TLS listening port (443 in production gets through most firewalls). Default 5349. */
  PLENUM_TURN_TLS_PORT: port.default(5349),
  /** embedded: UDP ports for relayed connections, outside the bridges' 20000–59999. Default `61000-65535`. */
  PLENUM_TURN_RELAY_PORTS: relayPorts.default([61_000, 65_535]),
  /** embedded: PEM certificate (chain) for TURN over TLS. Default: the HTTPS server's, else a self-signed one made at start for the public address. */
  PLENUM_TURN_TLS_CERT: z.string().min(1).optional(),
  /** embedded: PEM private key of `PLENUM_TURN_TLS_CERT`. Default: the HTTPS server's, else a generated one. */
  PLENUM_TURN_TLS_KEY: z.string().min(1).optional(),
};

export const turnConfigSchema = z.object(turnConfigFields);
type RawTurnConfig = z.infer<typeof turnConfigSchema>;

/** One problem for `superRefine`: the variable and what is wrong. */
export type TurnConfigIssue = { code: 'custom'; path: [keyof RawTurnConfig]; message: string };

/** Checks across the fields: what `external` needs, certificate with key, distinct ports. */
export function turnConfigIssues(config: RawTurnConfig): TurnConfigIssue[] {
  const issues: TurnConfigIssue[] = [];
  const add = (key: keyof RawTurnConfig, message: string) => issues.push({ code: 'custom', path: [key], message });
  if (config.PLENUM_TURN === 'external') {
    if (config.PLENUM_TURN_URLS === undefined) add('PLENUM_TURN_URLS', 'required with PLENUM_TURN=external: the TURN server\'s turn: or turns: URLs');
    if (config.PLENUM_TURN_SECRET === undefined) add('PLENUM_TURN_SECRET', 'required with PLENUM_TURN=external: the TURN server\'s shared secret');
  }
  if (config.PLENUM_TURN === 'embedded') {
    if ((config.PLENUM_TURN_TLS_CERT === undefined) !== (config.PLENUM_TURN_TLS_KEY === undefined)) {
      add(config.PLENUM_TURN_TLS_CERT === undefined ? 'PLENUM_TURN_TLS_CERT' : 'PLENUM_TURN_TLS_KEY', 'set both PLENUM_TURN_TLS_CERT and PLENUM_TURN_TLS_KEY, or neither');
    }
    if (config.PLENUM_TURN_PORT === config.PLENUM_TURN_TLS_PORT) add('PLENUM_TURN_TLS_PORT', 'must differ from PLENUM_TURN_PORT');
    const [first, last] = config.PLENUM_TURN_RELAY_PORTS;
    for (const key of ['PLENUM_TURN_PORT', 'PLENUM_TURN_TLS_PORT'] as const) {
      if (config[key] >= first && config[key] <= last) add(key, `must lie outside PLENUM_TURN_RELAY_PORTS ${first}-${last}`);
    }
  }
  return issues;
}

/** The TURN relay as the controller runs it. */
export type TurnConfig =
  | { mode: 'off' }
  | { mode: 'external'; urls: string[]; secret: string }
  | {
      mode: 'embedded';
      port: number;
      tlsPort: number;
      relayPorts: [number, number];
      /** PEM files; `undefined`: a self-signed certificate is generated at start. */
      tlsCert: string | undefined;
      tlsKey: string | undefined;
    };

/**
 * The TURN settings `turnConfigIssues` accepted. `https`: the HTTPS server's certificate and
 * key files, used for TURN over TLS unless `PLENUM_TURN_TLS_*` name others.
 */
export function turnConfig(config: RawTurnConfig, https: { cert: string | undefined; key: string | undefined } = { cert: undefined, key: undefined }): TurnConfig {
  switch (config.PLENUM_TURN) {
    case 'off':
      return { mode: 'off' };
    case 'external':
      if (config.PLENUM_TURN_URLS === undefined || config.PLENUM_TURN_SECRET === undefined) throw new Error('PLENUM_TURN=external needs PLENUM_TURN_URLS and PLENUM_TURN_SECRET');
      return { mode: 'external', urls: config.PLENUM_TURN_URLS, secret: config.PLENUM_TURN_SECRET };
    case 'embedded': {
      const own = config.PLENUM_TURN_TLS_CERT !== undefined && config.PLENUM_TURN_TLS_KEY !== undefined;
      const files = own ? { cert: config.PLENUM_TURN_TLS_CERT, key: config.PLENUM_TURN_TLS_KEY } : https.cert !== undefined && https.key !== undefined ? https : undefined;
      return {
        mode: 'embedded',
        port: config.PLENUM_TURN_PORT,
        tlsPort: config.PLENUM_TURN_TLS_PORT,
        relayPorts: config.PLENUM_TURN_RELAY_PORTS,
        tlsCert: files?.cert === undefined ? undefined : path.resolve(files.cert),
        tlsKey: files?.key === undefined ? undefined : path.resolve(files.key),
      };
    }
  }
}
