import { z } from 'zod';
import { kubernetesConfigFields } from '../bridge/launchers/kubernetes/config.js';
import { certificateNameKind } from '../tls/names.js';
import { turnConfigFields, turnConfigIssues } from '../turn/turnConfig.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().min(1);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const url = (protocols: readonly string[]) =>
  z.url().refine((value) => protocols.some((p) => value.startsWith(`${p}://`)), {
    message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  });

/** The dev provider's well-known default password: only for a controller bound to loopback. */
const defaultDevPassword = 'plenum';

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1 and `localhost`. */
function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Every setting of the controller, read from `PLENUM_*` environment variables (and optionally a
 * JSON file named by `PLENUM_CONFIG_FILE`). `docs/configuration.md` lists them for operators;
 * keep both in step.
 */
export const configSchema = z.strictObject({
  /** TCP port of the HTTP server. Default 8080. */
  PLENUM_PORT: port.default(8080),
  /** Address the HTTP server binds to. Default 127.0.0.1 (this machine only). */
  PLENUM_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * URL at which browsers reach the controller. Default `http://localhost:<PLENUM_PORT>`; when
   * serving HTTPS `https://localhost:<PLENUM_PORT>`, with a self-signed certificate
   * `https://<first PLENUM_TLS_SELF_SIGNED name>:<PLENUM_PORT>`.
   */
  PLENUM_PUBLIC_URL: url(['http', 'https']).optional(),
  /** PEM certificate file (leaf first, then intermediates); with PLENUM_TLS_KEY the server speaks HTTPS and WSS on PLENUM_PORT. Default: unset (plain HTTP). */
  PLENUM_TLS_CERT: z.string().min(1).optional(),
  /** Unencrypted PEM private key file of PLENUM_TLS_CERT; set both or neither. Default: unset. */
  PLENUM_TLS_KEY: z.string().min(1).optional(),
  /**
   * Comma-separated IP addresses and DNS names: serve HTTPS with a self-signed certificate for
   * them, generated (or reused) in `<PLENUM_DATA_DIR>/tls`. For LAN trials. Default: unset.
   */
  PLENUM_TLS_SELF_SIGNED: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0))
    .pipe(z.array(z.string().refine((name) => certificateNameKind(name) !== undefined, { message: 'must be IP addresses or DNS names, separated by commas' })).min(1))
    .optional(),
  /** Where embedded state lives (PGlite database). Default `./data`. */
  PLENUM_DATA_DIR: z.string().min(1).default('data'),
  /** PostgreSQL connection URL. Default: embedded PGlite in `<PLENUM_DATA_DIR>/db`. */
  PLENUM_DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  /** Redis URL for volatile room state. Default: in-process store. */
  PLENUM_REDIS_URL: url(['redis', 'rediss']).optional(),
  /** RabbitMQ URL for the message broker. Default: in-process bus. */
  PLENUM_AMQP_URL: url(['amqp', 'amqps']).optional(),
  /** Issuer URL of an external OpenID Connect provider. Default: the built-in dev provider at `/idp`. */
  PLENUM_OIDC_ISSUER: url(['http', 'https']).optional(),
  /** Audience (`aud`) that access tokens must carry. Default `plenum`. */
  PLENUM_OIDC_AUDIENCE: z.string().min(1).default('plenum'),
  /** OAuth client ID of the web app (public client, Authorization Code + PKCE). Default `plenum-web`. */
  PLENUM_OIDC_CLIENT_ID: z.string().min(1).default('plenum-web'),
  /** Comma-separated JWS algorithms accepted on access tokens. */
  PLENUM_OIDC_ALGORITHMS: z
    .string()
    .default('RS256,PS256,ES256,EdDSA')
    .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0))
    .pipe(z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1)),
  /** Allowed clock skew when checking `exp`/`nbf`, in seconds. Default 5. */
  PLENUM_OIDC_CLOCK_TOLERANCE: z.coerce.number().int().min(0).max(300).default(5),
  /** Trust a token's `email` only with `email_verified: true` (invitations match by e-mail). Default true. */
  PLENUM_OIDC_REQUIRE_VERIFIED_EMAIL: bool.default(true),
  /** Password of the dev provider's users alice, bob and carol. Default `plenum`, refused when PLENUM_HOST is not loopback. */
  PLENUM_DEV_PASSWORD: z.string().min(1).default(defaultDevPassword),
  /** Log level: fatal, error, warn, info, debug, trace, silent. Default info. */
  PLENUM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Maximum REST request body, in bytes. Default 65536. */
  PLENUM_BODY_LIMIT: positiveInt.max(10 * 1024 * 1024).default(65_536),
  /** Lifetime of a signaling ticket, in seconds. Default 30. */
  PLENUM_TICKET_TTL: positiveInt.max(300).default(30),
  /** Requests per minute and client to `/start`, `/start_invited` and invite verification. Default 30. */
  PLENUM_RATE_LIMIT_PER_MINUTE: positiveInt.default(30),
  /** Signaling messages per second and connection, on average. Default 10. */
  PLENUM_SIGNALING_RATE: positiveInt.max(10_000).default(10),
  /** Signaling messages a connection may send in one burst. Default 30. */
  PLENUM_SIGNALING_BURST: positiveInt.max(100_000).default(30),
  /** Seconds after the token expires within which the client must refresh it. Default 30. */
  PLENUM_SIGNALING_TOKEN_GRACE: positiveInt.max(3600).default(30),
  /** Seconds a dropped participant keeps its place for resumption. Default 30. */
  PLENUM_SIGNALING_RESUMPTION_WINDOW: positiveInt.max(3600).default(30),
  /** Seconds between WebSocket pings; a connection that misses one is dropped. Default 15. */
  PLENUM_SIGNALING_PING_INTERVAL: positiveInt.max(3600).default(15),
  /** Seconds a new signaling socket has to send `control/join` (close code 4009). Default 30. */
  PLENUM_SIGNALING_JOIN_TIMEOUT: positiveInt.max(3600).default(30),
  /** Seconds after which a controller that stopped beating counts as dead. Default 10. */
  PLENUM_CONTROLLER_HEARTBEAT_TTL: positiveInt.max(600).default(10),
  /** Lifetime in seconds of a guest token (guests have no identity provider). Default 600. */
  PLENUM_GUEST_TOKEN_TTL: positiveInt.max(86_400).default(600),
  /**
   * How conference bridges run: `sandbox` (own network namespace + bubblewrap), `oci` (a
   * container per conference via the Docker Engine API), `kubernetes` (a pod per conference),
   * `host` (plain process on the host network, reduced isolation) or `none` (signaling only, no
   * media). Default sandbox.
   */
  PLENUM_BRIDGE_LAUNCHER: z.enum(['sandbox', 'oci', 'kubernetes', 'host', 'none']).default('sandbox'),
  /** launcher `oci`: Docker Engine API socket (Docker or `podman system service`). Default `/run/podman/podman.sock` if it exists, else `/var/run/docker.sock`. */
  PLENUM_BRIDGE_OCI_SOCKET: z.string().min(1).optional(),
  /** launcher `oci`: the bridge image (see containers/janus/Containerfile). Default `plenum-janus:1.1.2`. */
  PLENUM_BRIDGE_OCI_IMAGE: z.string().min(1).default('plenum-janus:1.1.2'),
  /** launcher `host`: the machine's address browsers send media to; required with `host`. No default. */
  PLENUM_BRIDGE_HOST_ADDRESS: z
    .ipv4()
    .refine((address) => !address.startsWith('127.'), { message: 'must be an address browsers reach, not loopback (Janus never uses loopback for media)' })
    .optional(),
  /**
   * The IPv4 address browsers send media to. `auto`: the machine's primary address (its default
   * route's). An address not on this machine is taken as a 1:1 NAT (a cloud's floating IP) in
   * front of the primary one. `internal`: each bridge's own address, which only browsers on
   * this machine reach (no forwarding, no TURN). Launchers `sandbox` and `oci`. Default `auto`.
   */
  PLENUM_MEDIA_PUBLIC_ADDRESS: z
    .union([z.literal('auto'), z.literal('internal'), z.ipv4()])
    .refine((address) => !address.startsWith('127.'), { message: 'must be an address browsers reach, not loopback (Janus never uses loopback for media)' })
    .default('auto'),
  /** Seconds a conference's bridge outlives its last participant. Default 10. */
  PLENUM_BRIDGE_GRACE: positiveInt.max(3600).default(10),
  /** Started, unassigned bridges kept ready (never reused by a second conference). Default 0. */
  PLENUM_BRIDGE_POOL: z.coerce.number().int().min(0).max(100).default(0),
  /** Seconds between keepalive probes of each bridge through its API transport; two unanswered and it is replaced. 0: off. Default 5. */
  PLENUM_BRIDGE_KEEPALIVE: z.coerce.number().int().min(0).max(600).default(5),
  /** Directory of the bridges' working directories. Default `/run/plenum/bridges` (tmpfs) as root, else `<tmp>/plenum-bridges`. */
  PLENUM_BRIDGE_DIR: z.string().min(1).optional(),
  /** Trust `X-Forwarded-*` headers (set when behind a reverse proxy). Default false. */
  PLENUM_TRUST_PROXY: bool.default(false),
  /** Directory with the built web client. Default: `packages/web/dist` of this checkout. */
  PLENUM_WEB_DIR: z.string().min(1).optional(),
  /** Camera capture the web client asks for: width, height, frames per second. */
  PLENUM_VIDEO_WIDTH: z.coerce.number().int().min(160).max(3840).default(640),
  PLENUM_VIDEO_HEIGHT: z.coerce.number().int().min(120).max(2160).default(480),
  PLENUM_VIDEO_FRAME_RATE: z.coerce.number().int().min(5).max(60).default(24),
  /** launcher `kubernetes`: see docs/kubernetes.md. */
  ...kubernetesConfigFields,
  /** The TURN relay (`PLENUM_TURN*`): see turn/turnConfig.ts. */
  ...turnConfigFields,
  /** Lifetime of the dev provider's access tokens in seconds (the web client renews them a minute early). */
  PLENUM_DEV_TOKEN_TTL: z.coerce.number().int().min(60).max(86_400).default(300),
  /** Optional JSON file with any of these settings; environment variables win. */
  PLENUM_CONFIG_FILE: z.string().min(1).optional(),
}).superRefine((config, context) => {
  if ((config.PLENUM_TLS_CERT === undefined) !== (config.PLENUM_TLS_KEY === undefined)) {
    const [set, missing] = config.PLENUM_TLS_CERT === undefined ? ['PLENUM_TLS_KEY', 'PLENUM_TLS_CERT'] : ['PLENUM_TLS_CERT', 'PLENUM_TLS_KEY'];
    context.addIssue({ code: 'custom', path: [set], message: `needs ${missing} too: set PLENUM_TLS_CERT and PLENUM_TLS_KEY together for HTTPS, or neither` });
  }
  if (config.PLENUM_TLS_SELF_SIGNED !== undefined && (config.PLENUM_TLS_CERT !== undefined || config.PLENUM_TLS_KEY !== undefined)) {
    context.addIssue({ code: 'custom', path: ['PLENUM_TLS_SELF_SIGNED'], message: 'conflicts with PLENUM_TLS_CERT/PLENUM_TLS_KEY: serve your own certificate or a self-signed one, not both' });
  }
  if (config.PLENUM_OIDC_ISSUER === undefined && config.PLENUM_DEV_PASSWORD === defaultDevPassword && !isLoopbackHost(config.PLENUM_HOST)) {
    context.addIssue({
      code: 'custom',
      path: ['PLENUM_DEV_PASSWORD'],
      message: `is the default "${defaultDevPassword}", but PLENUM_HOST=${config.PLENUM_HOST} lets other machines reach the dev identity provider: set PLENUM_DEV_PASSWORD to a secret of your own, or PLENUM_OIDC_ISSUER to an external identity provider`,
    });
  }
  if (config.PLENUM_BRIDGE_LAUNCHER === 'host' && config.PLENUM_BRIDGE_HOST_ADDRESS === undefined) {
    context.addIssue({ code: 'custom', path: ['PLENUM_BRIDGE_HOST_ADDRESS'], message: 'required with PLENUM_BRIDGE_LAUNCHER=host: the address browsers send media to' });
  }
  for (const issue of turnConfigIssues(config)) context.addIssue(issue);
});

export type RawConfig = z.infer<typeof configSchema>;
