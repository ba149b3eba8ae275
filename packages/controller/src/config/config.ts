import { CodedError } from '../errors.js';
import { existsSync, readFileSync } from 'node:fs';
import type { KubernetesConfig } from '../bridge/launchers/kubernetes/config.js';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';
import { defaultEngineSocket } from '../bridge/launchers/oci/engine.js';
import { urlHost } from '../tls/names.js';
import type { TlsSettings } from '../tls/serverTls.js';
import { turnConfig, type TurnConfig } from '../turn/turnConfig.js';
import { configSchema, type RawConfig } from './schema.js';


/**
 * Bridges run as other users, so every directory above theirs must let them pass. /run is a
 * tmpfs on Linux: what a bridge writes never reaches a disk.
 */
function defaultBridgeDir(): string {
  return existsSync('/run') && process.getuid?.() === 0 ? '/run/plenum/bridges' : path.join(tmpdir(), 'plenum-bridges');
}

/** The validated, resolved configuration the controller runs with. */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** HTTPS (and WSS) on `port`: off, the operator's certificate files, or a self-signed certificate in `<dataDir>/tls`. */
  tls: TlsSettings;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  amqpUrl: string | undefined;
  oidc: {
    /** `undefined`: use the built-in dev provider. */
    externalIssuer: string | undefined;
    issuer: string;
    audience: string;
    clientId: string;
    algorithms: string[];
    clockToleranceSeconds: number;
    /** Ignore `email` claims without `email_verified: true`. */
    requireVerifiedEmail: boolean;
  };
  devPassword: string;
  /** Access-token lifetime of the dev provider, in seconds. */
  devTokenTtlSeconds: number;
  logLevel: string;
  bodyLimit: number;
  ticketTtlSeconds: number;
  rateLimitPerMinute: number;
  trustProxy: boolean;
  webDir: string;
  /** Camera capture the web client asks browsers for. */
  video: { width: number; height: number; frameRate: number };
  signaling: {
    ratePerSecond: number;
    burst: number;
    tokenGraceSeconds: number;
    resumptionWindowSeconds: number;
    pingIntervalMs: number;
    heartbeatTtlMs: number;
    joinTimeoutMs: number;
  };
  guestTokenTtlSeconds: number;
  bridge: {
    launcher: RawConfig['PLENUM_BRIDGE_LAUNCHER'];
    graceMs: number;
    poolSize: number;
    keepaliveMs: number;
    dir: string;
    /** launcher `oci`: the engine's API socket and the bridge image. */
    oci: { socketPath: string; image: string };
    /** launcher `host`: the address browsers send media to (validated present for `host`). */
    hostAddress: string | undefined;
    /** `auto`, `internal` or an IPv4 address: see `PLENUM_MEDIA_PUBLIC_ADDRESS`. */
    publicAddress: string;
    /** launcher `kubernetes`: its settings as given. */
    kubernetes: KubernetesConfig;
  };
  /** The TURN relay: embedded coturn (default), an external server sharing a secret, or off. */
  turn: TurnConfig;
}

/** `invalid`: the settings break the schema or do not fit together; `problems` says where, one line each. */
export class ConfigError extends CodedError<'invalid'> {
  override readonly name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[], options: { cause?: unknown } = {}) {
    super('invalid', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.problems = problems;
  }
}

const defaultWebDir = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([`PLENUM_CONFIG_FILE: cannot read ${file} (${(cause as Error).message})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError([`PLENUM_CONFIG_FILE: ${file} is not valid JSON; expected an object of PLENUM_* keys`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`PLENUM_CONFIG_FILE: ${file} must hold a JSON object of PLENUM_* keys`]);
  }
  // Values in the file may be numbers or booleans; the schema reads strings like the environment.
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function describe(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  const key = String(issue.path[0] ?? '(config)');
  if (issue.code === 'unrecognized_keys') {
    return `${issue.keys.join(', ')}: unknown setting (see docs/configuration.md)`;
  }
  const got = key in input ? `, got ${JSON.stringify(key.endsWith('PASSWORD') || key.endsWith('SECRET') ? '***' : input[key])}` : '';
  return `${key}: ${issue.message}${got}`;
}

/** The TLS section; the schema has already refused half or conflicting settings. */
function tlsSettings(raw: RawConfig, dataDir: string): TlsSettings {
  if (raw.PLENUM_TLS_SELF_SIGNED) return { kind: 'selfSigned', names: raw.PLENUM_TLS_SELF_SIGNED, dir: path.join(dataDir, 'tls') };
  if (raw.PLENUM_TLS_CERT && raw.PLENUM_TLS_KEY) return { kind: 'files', certFile: path.resolve(raw.PLENUM_TLS_CERT), keyFile: path.resolve(raw.PLENUM_TLS_KEY) };
  return { kind: 'off' };
}

/** `http://localhost:<port>`; with HTTPS `https://`, and a self-signed certificate's first name as host. */
function defaultPublicUrl(tls: TlsSettings, port: number): string {
  if (tls.kind === 'off') return `http://localhost:${port}`;
  const host = tls.kind === 'selfSigned' && tls.names[0] ? urlHost(tls.names[0]) : 'localhost';
  return `https://${host}:${port}`;
}

/**
 * Reads and validates the configuration. Throws `ConfigError` naming every bad variable, the
 * problem and the expected form.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromEnv = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('PLENUM_') && !e[0].startsWith('PLENUM_TEST_') && e[1] !== undefined && e[1] !== ''),
  );
  const file = fromEnv.PLENUM_CONFIG_FILE;
  const input: Record<string, unknown> = { ...(file ? readConfigFile(file) : {}), ...fromEnv };
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => describe(issue, input)));
  }
  const raw = result.data;
  const dataDir = path.resolve(raw.PLENUM_DATA_DIR);
  const tls = tlsSettings(raw, dataDir);
  const publicUrl = (raw.PLENUM_PUBLIC_URL ?? defaultPublicUrl(tls, raw.PLENUM_PORT)).replace(/\/+$/, '');
  return {
    port: raw.PLENUM_PORT,
    host: raw.PLENUM_HOST,
    publicUrl,
    tls,
    dataDir,
    databaseUrl: raw.PLENUM_DATABASE_URL,
    redisUrl: raw.PLENUM_REDIS_URL,
    amqpUrl: raw.PLENUM_AMQP_URL,
    oidc: {
      externalIssuer: raw.PLENUM_OIDC_ISSUER,
      issuer: raw.PLENUM_OIDC_ISSUER ?? `${publicUrl}/idp`,
      requireVerifiedEmail: raw.PLENUM_OIDC_REQUIRE_VERIFIED_EMAIL,
      audience: raw.PLENUM_OIDC_AUDIENCE,
      clientId: raw.PLENUM_OIDC_CLIENT_ID,
      algorithms: raw.PLENUM_OIDC_ALGORITHMS,
      clockToleranceSeconds: raw.PLENUM_OIDC_CLOCK_TOLERANCE,
    },
    devPassword: raw.PLENUM_DEV_PASSWORD,
    devTokenTtlSeconds: raw.PLENUM_DEV_TOKEN_TTL,
    logLevel: raw.PLENUM_LOG_LEVEL,
    bodyLimit: raw.PLENUM_BODY_LIMIT,
    ticketTtlSeconds: raw.PLENUM_TICKET_TTL,
    rateLimitPerMinute: raw.PLENUM_RATE_LIMIT_PER_MINUTE,
    trustProxy: raw.PLENUM_TRUST_PROXY,
    webDir: raw.PLENUM_WEB_DIR ? path.resolve(raw.PLENUM_WEB_DIR) : defaultWebDir,
    video: { width: raw.PLENUM_VIDEO_WIDTH, height: raw.PLENUM_VIDEO_HEIGHT, frameRate: raw.PLENUM_VIDEO_FRAME_RATE },
    signaling: {
      ratePerSecond: raw.PLENUM_SIGNALING_RATE,
      burst: raw.PLENUM_SIGNALING_BURST,
      tokenGraceSeconds: raw.PLENUM_SIGNALING_TOKEN_GRACE,
      resumptionWindowSeconds: raw.PLENUM_SIGNALING_RESUMPTION_WINDOW,
      pingIntervalMs: raw.PLENUM_SIGNALING_PING_INTERVAL * 1000,
      heartbeatTtlMs: raw.PLENUM_CONTROLLER_HEARTBEAT_TTL * 1000,
      joinTimeoutMs: raw.PLENUM_SIGNALING_JOIN_TIMEOUT * 1000,
    },
    guestTokenTtlSeconds: raw.PLENUM_GUEST_TOKEN_TTL,
    bridge: {
      launcher: raw.PLENUM_BRIDGE_LAUNCHER,
      graceMs: raw.PLENUM_BRIDGE_GRACE * 1000,
      poolSize: raw.PLENUM_BRIDGE_POOL,
      keepaliveMs: raw.PLENUM_BRIDGE_KEEPALIVE * 1000,
      dir: path.resolve(raw.PLENUM_BRIDGE_DIR ?? defaultBridgeDir()),
      oci: { socketPath: raw.PLENUM_BRIDGE_OCI_SOCKET ?? defaultEngineSocket(), image: raw.PLENUM_BRIDGE_OCI_IMAGE },
      hostAddress: raw.PLENUM_BRIDGE_HOST_ADDRESS,
      publicAddress: raw.PLENUM_MEDIA_PUBLIC_ADDRESS,
      // Already parsed: the schema includes the kubernetes fields.
      kubernetes: raw,
    },
    turn: turnConfig(raw, { cert: raw.PLENUM_TLS_CERT, key: raw.PLENUM_TLS_KEY }),
  };
}
