import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { TurnError } from './turnError.js';

/** Lines of coturn's output kept for error messages. */
const keptLines = 15;

export interface CoturnProcessOptions {
  /** The coturn binary. Default `turnserver`. */
  command?: string;
  /** coturn's config file (`turnserver -c`). Required. */
  configFile: string;
  /** Address and TCP port coturn listens on; it is ready once they accept a connection. Required. */
  address: string;
  port: number;
  /** How long coturn may take to accept connections, ms. Default 10 000. */
  readyTimeoutMs?: number;
  /** Strings that must never appear in logs or errors (the secret); replaced by `***`. Default none. */
  redact?: readonly string[];
  /** Receives each line of coturn's output at debug level. Required. */
  log: FastifyBaseLogger;
}

/**
 * One run of coturn: started, watched until it accepts TCP connections, stopped. It does not
 * restart itself; `EmbeddedTurnServer` does that.
 */
export class CoturnProcess {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #redact: readonly string[];
  readonly #exitHandlers: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(child: ChildProcess, options: CoturnProcessOptions) {
    this.#child = child;
    this.#redact = (options.redact ?? []).filter((text) => text.length > 0);
    const log = options.log;
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const raw of lines) {
          const line = this.#clean(raw);
          if (line.length === 0) continue;
          this.#lines.push(line);
          if (this.#lines.length > keptLines) this.#lines.shift();
          log.debug({ coturn: line }, 'coturn output');
        }
      });
    }
    // After a failed spawn (reported by start) or a failed kill: nothing more to do.
    child.on('error', () => {});
    // `close`, not `exit`: by then its last output has been read too.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.#exit = { code, signal };
      for (const handler of this.#exitHandlers.splice(0)) handler(code, signal);
    });
  }

  /**
   * Starts coturn and resolves once it accepts TCP connections. Throws `TurnError`
   * `start_failed` (port taken, coturn missing or exited) or `start_timeout`.
   */
  static async start(options: CoturnProcessOptions): Promise<CoturnProcess> {
    // Else the readiness check below would take that listener for coturn.
    if (await accepts(options.address, options.port)) {
      throw new TurnError('start_failed', `cannot start coturn: something else already listens on ${options.address}:${options.port} (TCP)`);
    }
    const child = spawn(options.command ?? 'turnserver', ['-c', options.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const coturn = new CoturnProcess(child, options);
    try {
      await once(child, 'spawn');
    } catch (cause) {
      throw new TurnError('start_failed', `cannot run ${options.command ?? 'turnserver'} (is coturn installed?): ${(cause as Error).message}`, { cause });
    }
    const timeoutMs = options.readyTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    while (!(await accepts(options.address, options.port))) {
      if (coturn.#exit) {
        throw new TurnError('start_failed', `coturn exited while starting (${describeExit(coturn.#exit)}); its last output:\n${coturn.lastOutput()}`);
      }
      if (Date.now() > deadline) {
        await coturn.stop(0);
        throw new TurnError('start_timeout', `coturn did not accept TCP connections on ${options.address}:${options.port} within ${timeoutMs} ms; its last output:\n${coturn.lastOutput()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return coturn;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How it ended, once it has: `code 1`, `signal SIGKILL`; else `undefined`. */
  get exit(): string | undefined {
    return this.#exit && describeExit(this.#exit);
  }

  /** Called once when coturn exits, for whatever reason. */
  onExit(handler: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    if (this.#exit) handler(this.#exit.code, this.#exit.signal);
    else this.#exitHandlers.push(handler);
  }

  /** coturn's last lines of output, secrets redacted. */
  lastOutput(): string {
    return this.#lines.length > 0 ? this.#lines.map((line) => `  ${line}`).join('\n') : '  (none)';
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs = 3000): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#exit) return;
      const exited = new Promise<void>((resolve) => this.onExit(() => resolve()));
      this.#child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.#child.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      await exited;
    })();
    return this.#stopping;
  }

  #clean(line: string): string {
    let clean = line.trimEnd();
    for (const text of this.#redact) clean = clean.split(text).join('***');
    return clean;
  }
}

function describeExit({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

/** True once something accepts a TCP connection on address:port. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 500 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
