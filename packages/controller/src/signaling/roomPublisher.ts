import { routingKeys, type Broker } from '../broker/broker.js';
import type { BrokerMessage } from './brokerMessage.js';
import type { Audience } from './module.js';

/** Sends `message` to an audience of a room, on whichever controllers its members are. */
export async function publishToRoom(broker: Broker, roomId: string, audience: Audience, message: BrokerMessage): Promise<void> {
  const key =
    audience.to === 'room' ? routingKeys.room : audience.to === 'participant' ? routingKeys.participant(audience.id) : routingKeys.user(audience.id);
  const body = audience.to === 'room' && audience.moderatorsOnly && message.kind === 'event' ? { ...message, moderatorsOnly: true } : message;
  await broker.publish(roomId, key, body);
}
