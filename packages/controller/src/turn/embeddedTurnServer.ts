import { randomBytes, X509Certificate } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { IceServer } from '@plenum/protocol';
import { certificateNameKind, urlHost } from '../tls/names.js';
import { generateSelfSigned } from '../tls/selfSigned.js';
import { makePrivateDir } from '../privateDir.js';
import { CoturnProcess } from './coturnProcess.js';
import { processUser, stopStaleCoturn, type ProcessUser } from './coturnHost.js';
import { turnCredentials } from './turnCredentials.js';
import { TurnError } from './turnError.js';
import { renderTurnServerConfig } from './turnServerConfig.js';
import type { TurnService } from './turnService.js';

export interface EmbeddedTurnServerOptions {
  /**
   * The media public address: an address of this machine that browsers reach. coturn listens
   * and relays on it, and may relay to it (the bridges' media). Required; never loopback.
   */
  publicAddress: string;
  /**
   * The address of this machine coturn listens and relays on when `publicAddress` is a 1:1 NAT
   * in front of it (a cloud's floating IP); coturn then advertises `publicAddress` as its
   * external address. Default: `publicAddress`, which must then be an address of this machine.
   */
  listenAddress?: string;
  /**
   * coturn's runtime directory (config with the secret, certificate, pid file), created with
   * mode 0700 and removed by `close()`. A leftover one (after a crash) is cleared first, its
   * coturn stopped. Required.
   */
  dir: string;
  /** UDP and TCP listening port. Default 3478. */
  port?: number;
  /** TURN over TLS listening port. Default 5349. */
  tlsPort?: number;
  /** First and last UDP port of relayed connections. Default `[61000, 65535]`. */
  relayPorts?: readonly [number, number];
  /** PEM certificate and key files for TURN over TLS. Default: a self-signed certificate for `publicAddress`, made in `dir`. */
  tlsCert?: string;
  tlsKey?: string;
  /** Host in the `turns:` URL. Default: the certificate's first DNS name, else `publicAddress`. */
  tlsHostname?: string;
  /** The secret credentials are signed with (coturn's `static-auth-secret`), at least 16 characters. Default: 32 random bytes in hex, new for each `start()`. */
  secret?: string;
  /** coturn's `realm`. Default `plenum`. */
  realm?: string;
  /** How long coturn may take to accept connections, ms. Default 10 000. */
  readyTimeoutMs?: number;
  /** Delay before the first restart after coturn exits on its own, ms; doubled per failure. Default 1000. */
  restartDelayMs?: number;
  /** Longest delay between restarts, ms. Default 30 000. */
  maxRestartDelayMs?: number;
  /** User coturn switches to after binding its ports; `false`: stay who we are. Default: `turnserver` (Debian's coturn user) when running as root and it exists. */
  processUser?: ProcessUser | false;
  /** The coturn binary. Default `turnserver`. */
  command?: string;
  log: FastifyBaseLogger;
}

/** coturn ran this long: its next crash starts the back-off again from `restartDelayMs`. */
const stableAfterMs = 60_000;

/**
 * coturn as a supervised child process of the controller, a TURN relay on the media public
 * address: UDP and TCP on `port`, TLS on `tlsPort`, relays on `relayPorts`, TURN REST
 * credentials with a secret that lives as long as this object (restarts keep it, so issued
 * credentials stay valid). If coturn exits on its own it is restarted with back-off, and
 * `problem()` says so meanwhile.
 */
export class EmbeddedTurnServer implements TurnService {
  readonly kind = 'embedded';
  readonly #options: EmbeddedTurnServerOptions;
  readonly #log: FastifyBaseLogger;
  readonly #secret: string;
  readonly #configFile: string;
  readonly #urls: string[];
  #coturn: CoturnProcess | undefined;
  #startedAt = 0;
  #problem: string | undefined;
  #restartDelayMs: number;
  #restartTimer: NodeJS.Timeout | undefined;
  #restarting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: EmbeddedTurnServerOptions, secret: string, configFile: string, tlsHostname: string) {
    this.#options = options;
    this.#log = options.log;
    this.#secret = secret;
    this.#configFile = configFile;
    this.#restartDelayMs = options.restartDelayMs ?? 1000;
    const host = urlHost(options.publicAddress);
    const port = options.port ?? 3478;
    this.#urls = [`turn:${host}:${port}?transport=udp`, `turn:${host}:${port}?transport=tcp`, `turns:${urlHost(tlsHostname)}:${options.tlsPort ?? 5349}?transport=tcp`];
  }

  /**
   * Writes coturn's config and starts it; resolves once it accepts TCP connections. Throws
   * `TurnError`: `config` (address not of this machine), `certificate`, `start_failed`,
   * `start_timeout` — with coturn's last output, never the secret.
   */
  static async start(options: EmbeddedTurnServerOptions): Promise<EmbeddedTurnServer> {
    const { publicAddress: address, dir } = options;
    const listenAddress = options.listenAddress ?? address;
    checkAddress(address, 'public');
    checkAddress(listenAddress, 'listen');
    await prepareDir(dir);
    try {
      const { cert, key } = await certificate(options);
      const tlsHostname = options.tlsHostname ?? (await dnsNameOf(cert)) ?? address;
      const secret = options.secret ?? randomBytes(32).toString('hex');
      if (secret.length < 16) throw new TurnError('config', 'the TURN secret needs at least 16 characters');
      const user = options.processUser === false ? undefined : (options.processUser ?? (await processUser()));
      const configFile = path.join(dir, 'turnserver.conf');
      const config = renderTurnServerConfig({
        address,
        listenAddress,
        port: options.port ?? 3478,
        tlsPort: options.tlsPort ?? 5349,
        relayPorts: options.relayPorts ?? [61_000, 65_535],
        cert,
        key,
        secret,
        realm: options.realm ?? 'plenum',
        dir,
        processUser: user,
      });
      await writeFile(configFile, config, { mode: 0o600 });
      const server = new EmbeddedTurnServer(options, secret, configFile, tlsHostname);
      await server.#run();
      options.log.info({ address, port: options.port ?? 3478, tlsPort: options.tlsPort ?? 5349, pid: server.pid, user: user?.user }, 'TURN server (coturn) started');
      return server;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** `running`, `restarting` (coturn exited on its own and is being started again) or `closed`. */
  get status(): 'running' | 'restarting' | 'closed' {
    return this.closed ? 'closed' : this.#problem === undefined ? 'running' : 'restarting';
  }

  /** coturn's process ID while it runs. */
  get pid(): number | undefined {
    return this.#coturn?.exit === undefined ? this.#coturn?.pid : undefined;
  }

  /** The TURN URLs browsers get: UDP and TCP on the public address, TLS on the certificate's name. */
  get urls(): readonly string[] {
    return this.#urls;
  }

  iceServers(participantId: string, expiresAtMs: number): IceServer[] {
    if (this.closed) throw new TurnError('closed', 'the TURN server was closed');
    return [{ urls: [...this.#urls], ...turnCredentials(this.#secret, participantId, expiresAtMs) }];
  }

  /** Why coturn cannot relay right now (it exited and is being restarted), or `undefined`. */
  problem(): Promise<string | undefined> {
    if (this.closed) return Promise.reject(new TurnError('closed', 'the TURN server was closed'));
    return Promise.resolve(this.#problem);
  }

  /** Stops coturn (SIGTERM, SIGKILL after 3 s) and removes its directory. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#restartTimer);
      await this.#restarting;
      await this.#coturn?.stop(3000);
      await rm(this.#options.dir, { recursive: true, force: true });
      this.#log.info('TURN server (coturn) stopped');
    })();
    return this.#closing;
  }

  /** Starts coturn once and watches it. */
  async #run(): Promise<void> {
    const { publicAddress, listenAddress, port = 3478, readyTimeoutMs, command, log } = this.#options;
    const coturn = await CoturnProcess.start({
      configFile: this.#configFile,
      address: listenAddress ?? publicAddress,
      port,
      redact: [this.#secret],
      log,
      ...(readyTimeoutMs === undefined ? {} : { readyTimeoutMs }),
      ...(command === undefined ? {} : { command }),
    });
    this.#coturn = coturn;
    this.#startedAt = Date.now();
    coturn.onExit(() => {
      if (this.closed || this.#coturn !== coturn) return;
      if (Date.now() - this.#startedAt >= stableAfterMs) this.#restartDelayMs = this.#options.restartDelayMs ?? 1000;
      this.#log.warn({ exit: coturn.exit, output: coturn.lastOutput() }, 'TURN server (coturn) exited on its own; restarting it');
      this.#scheduleRestart(`TURN server (coturn) exited (${coturn.exit})`);
    });
  }

  #scheduleRestart(reason: string): void {
    const delayMs = this.#restartDelayMs;
    this.#restartDelayMs = Math.min(delayMs * 2, this.#options.maxRestartDelayMs ?? 30_000);
    this.#problem = `${reason}; restarting in ${Math.ceil(delayMs / 1000)} s`;
    this.#restartTimer = setTimeout(() => {
      this.#restarting = this.#restart().finally(() => (this.#restarting = undefined));
    }, delayMs);
  }

  async #restart(): Promise<void> {
    try {
      await this.#run();
    } catch (error) {
      if (this.closed) return;
      this.#log.error({ err: error }, 'TURN server (coturn) failed to restart');
      this.#scheduleRestart(`TURN server (coturn) failed to restart: ${(error as Error).message.split('\n')[0]}`);
      return;
    }
    if (this.closed) {
      await this.#coturn?.stop(0);
      return;
    }
    this.#problem = undefined;
    this.#log.info({ pid: this.pid }, 'TURN server (coturn) restarted');
  }
}

/** coturn can only listen on an address of this machine, and browsers never reach loopback. */
function checkAddress(address: string, role: 'public' | 'listen'): void {
  if (isIP(address) === 0) throw new TurnError('config', `the TURN server needs an IP address as its ${role} address, got ${JSON.stringify(address)}`);
  if (address.startsWith('127.') || address === '::1' || address === '0.0.0.0' || address === '::') {
    throw new TurnError('config', `the TURN server cannot use ${address}: browsers must reach it (set the media public address, or PLENUM_TURN=off)`);
  }
  if (role === 'public') return;
  const local = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []).some((entry) => entry.address === address);
  if (!local) throw new TurnError('config', `the TURN server cannot listen on ${address}: no network interface of this machine has it (behind a 1:1 NAT, give the local address as listenAddress)`);
}

/** Names in a runtime directory: what `start()` writes, and what coturn writes. */
const ownEntries = new Set(['turnserver.conf', 'turnserver.pid', 'tls']);

/**
 * Makes `dir` afresh with mode 0700. A leftover one (the controller was killed) is cleared
 * and its coturn stopped; a directory with anything else in it is refused, never deleted.
 */
async function prepareDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TurnError('config', `cannot use ${dir} as the TURN server's directory: ${(error as Error).message}`, { cause: error });
  });
  const foreign = entries.filter((entry) => !ownEntries.has(entry));
  if (foreign.length > 0) throw new TurnError('config', `${dir} holds files that are not the TURN server's (${foreign.slice(0, 3).join(', ')}); choose an empty or new directory`);
  await stopStaleCoturn(dir);
  await rm(dir, { recursive: true, force: true });
  await makePrivateDir(dir);
}

/** The configured certificate and key, or a self-signed pair for the public address in `<dir>/tls`. */
async function certificate(options: EmbeddedTurnServerOptions): Promise<{ cert: string; key: string }> {
  if (options.tlsCert !== undefined && options.tlsKey !== undefined) return { cert: options.tlsCert, key: options.tlsKey };
  try {
    const made = await generateSelfSigned({ dir: path.join(options.dir, 'tls'), names: [options.publicAddress] });
    return { cert: made.certFile, key: made.keyFile };
  } catch (cause) {
    throw new TurnError('certificate', `cannot make a certificate for TURN over TLS: ${(cause as Error).message}`, { cause });
  }
}

/** The first DNS name (not a wildcard) the certificate is for, so `turns:` URLs match it. */
async function dnsNameOf(certFile: string): Promise<string | undefined> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await readFile(certFile));
  } catch (cause) {
    throw new TurnError('certificate', `cannot read the TURN certificate ${certFile}: ${(cause as Error).message}`, { cause });
  }
  const names = (cert.subjectAltName ?? '').split(',').map((entry) => entry.trim());
  return names.filter((entry) => entry.startsWith('DNS:')).map((entry) => entry.slice(4)).find((name) => certificateNameKind(name) === 'dns');
}
