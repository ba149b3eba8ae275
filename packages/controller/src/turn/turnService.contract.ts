import { IceServer } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TurnClient, stunErrorCode, type StunTransportKind } from '../test-support/turnClient.js';
import { parseTurnUrl } from './stunProbe.js';
import { TurnError } from './turnError.js';
import type { TurnService } from './turnService.js';

/** How a browser would reach the relay behind a URL. */
function clientFor(url: string): Promise<TurnClient> {
  const target = parseTurnUrl(url);
  const transport: StunTransportKind = target.secure ? 'tls' : target.transport;
  return TurnClient.connect({ transport, host: target.host, port: target.port });
}

/**
 * The behaviour every `TurnService` must have, against a real TURN server. `open` starts one
 * fresh service for the suite; its last test closes it.
 */
export function turnServiceContract(name: string, open: () => Promise<TurnService>): void {
  describe(`${name} (TurnService contract)`, () => {
    let service: TurnService;
    beforeAll(async () => {
      service = await open();
    });
    afterAll(async () => {
      await service.close();
    });

    it('gives ICE servers the protocol accepts: turn: and turns: URLs with a username and credential', () => {
      const servers = service.iceServers('participant-1', Date.now() + 600_000);
      for (const server of servers) expect(IceServer.parse(server)).toEqual(server);
      expect(servers.flatMap((server) => server.urls).some((url) => url.startsWith('turn:'))).toBe(true);
      expect(servers.every((server) => server.username?.endsWith(':participant-1') && server.credential)).toBe(true);
    });

    it('issues credentials that allocate a relay on every URL it gives', async () => {
      const [server] = service.iceServers('participant-2', Date.now() + 600_000);
      expect(server?.username).toBeDefined();
      for (const url of server?.urls ?? []) {
        const client = await clientFor(url);
        try {
          const answer = await client.allocate({ username: server?.username ?? '', password: server?.credential ?? '' });
          expect(stunErrorCode(answer), url).toBeUndefined();
          expect(TurnClient.relayedAddress(answer).port, url).toBeGreaterThan(0);
        } finally {
          client.close();
        }
      }
    });

    it('issues credentials the server refuses once they have expired', async () => {
      const [server] = service.iceServers('participant-3', Date.now() - 60_000);
      const client = await clientFor(server?.urls[0] ?? '');
      try {
        const answer = await client.allocate({ username: server?.username ?? '', password: server?.credential ?? '' });
        expect(stunErrorCode(answer)?.code).toBe(401);
      } finally {
        client.close();
      }
    });

    it('reports no problem while the server answers', async () => {
      expect(await service.problem()).toBeUndefined();
    });

    it('closes idempotently and then refuses to serve', async () => {
      await service.close();
      await service.close();
      expect(service.closed).toBe(true);
      expect(() => service.iceServers('p', Date.now() + 1000)).toThrow(TurnError);
      await expect(service.problem()).rejects.toMatchObject({ code: 'closed' });
    });
  });
}
