import type { FastifyBaseLogger } from 'fastify';
import { EmbeddedTurnServer } from './embeddedTurnServer.js';
import { ExternalTurnService } from './externalTurnService.js';
import type { TurnConfig } from './turnConfig.js';
import { TurnError } from './turnError.js';
import type { TurnService } from './turnService.js';

/** What the TURN service needs from the rest of the controller. */
export interface TurnServiceContext {
  /** The media public address (an address of this machine); the embedded server listens and relays on it. Required for `embedded`. */
  publicAddress: string | undefined;
  /** embedded: the address of this machine to listen on when `publicAddress` is a 1:1 NAT in front of it (cloud floating IP). Default: `publicAddress`. */
  listenAddress?: string;
  /** The embedded server's runtime directory, e.g. `<bridge dir>/../turn`; created 0700, removed on close. */
  dir: string;
  log: FastifyBaseLogger;
  /** embedded: host in the `turns:` URL. Default: the certificate's DNS name, else the public address. */
  tlsHostname?: string;
}

/**
 * The TURN relay `config` describes, started: coturn as a child process (`embedded`), a
 * client of someone else's server (`external`), or `undefined` (`off`). Throws `TurnError`.
 */
export async function createTurnService(config: TurnConfig, context: TurnServiceContext): Promise<TurnService | undefined> {
  switch (config.mode) {
    case 'off':
      return undefined;
    case 'external':
      return new ExternalTurnService({ urls: config.urls, secret: config.secret });
    case 'embedded': {
      if (context.publicAddress === undefined) {
        throw new TurnError('config', 'the embedded TURN server needs the media public address to listen on; set it, or PLENUM_TURN=external or off');
      }
      return EmbeddedTurnServer.start({
        publicAddress: context.publicAddress,
        dir: context.dir,
        port: config.port,
        tlsPort: config.tlsPort,
        relayPorts: config.relayPorts,
        ...(config.tlsCert !== undefined && config.tlsKey !== undefined ? { tlsCert: config.tlsCert, tlsKey: config.tlsKey } : {}),
        ...(context.listenAddress === undefined ? {} : { listenAddress: context.listenAddress }),
        ...(context.tlsHostname === undefined ? {} : { tlsHostname: context.tlsHostname }),
        log: context.log.child({ component: 'turn' }),
      });
    }
  }
}
