import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { RoomId, Ticket, signalingSubprotocol, ticketSubprotocolPrefix } from '@plenum/protocol';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import type { RoomRepository } from '../repositories/rooms.js';
import type { TicketStore } from '../tickets/ticketStore.js';
import type { SignalingHub } from './hub.js';
import { SignalingSession } from './session.js';

export const signalingPath = '/v1/signaling';

/** Frames larger than this close the socket outright; up to it, they get a `frame_too_large` error. */
const hardFrameLimit = 1024 * 1024;

function refuse(socket: Duplex, status: 400 | 401 | 404 | 503, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

/** Reads the offered subprotocols: ours must be there, and exactly one ticket. */
function offeredTicket(request: IncomingMessage): Ticket | undefined {
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(signalingSubprotocol)) return undefined;
  const tickets = offered.filter((p) => p.startsWith(ticketSubprotocolPrefix));
  if (tickets.length !== 1) return undefined;
  const ticket = Ticket.safeParse((tickets[0] ?? '').slice(ticketSubprotocolPrefix.length));
  return ticket.success ? ticket.data : undefined;
}

/**
 * The signaling WebSocket at `/v1/signaling`. The ticket (single use, 30 s) is checked during
 * the HTTP upgrade: without a valid one the answer is 401 and no WebSocket ever opens. The
 * ticket travels as a subprotocol, never in the URL, so it stays out of logs.
 */
export function attachSignaling(app: FastifyInstance, deps: { hub: SignalingHub; tickets: TicketStore; rooms: RoomRepository }): void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: hardFrameLimit,
    handleProtocols: (protocols) => (protocols.has(signalingSubprotocol) ? signalingSubprotocol : false),
  });

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (new URL(request.url ?? '/', 'http://x').pathname !== signalingPath) return refuse(socket, 404, 'Not Found');
    void (async () => {
      const ticket = offeredTicket(request);
      if (!ticket) return refuse(socket, 401, 'Unauthorized');
      const grant = await deps.tickets.redeem(ticket);
      if (!grant) return refuse(socket, 401, 'Unauthorized');
      const roomId = RoomId.safeParse(grant.roomId);
      const room = roomId.success ? await deps.rooms.get(roomId.data) : undefined;
      if (!room) return refuse(socket, 404, 'Not Found');
      wss.handleUpgrade(request, socket, head, (ws) => {
        new SignalingSession(deps.hub, ws, grant, {
          id: room.id,
          name: room.name,
          ownerId: room.ownerId,
          waitingRoom: room.waitingRoom,
          videoCodec: room.videoCodec,
        }, app.log);
      });
    })().catch((error: unknown) => {
      app.log.error({ err: error }, 'signaling upgrade failed');
      refuse(socket, 503, 'Service Unavailable');
    });
  });

  // Before the HTTP server closes: it would otherwise wait for the open WebSockets forever.
  app.addHook('preClose', async () => {
    await deps.hub.close();
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
}
