/**
 * The message bus between controllers (and, later, to bridges). Every room has its own topic;
 * a controller binds the routing keys it wants (`room` for everyone in the room,
 * `participant.<id>`, `user.<id>`) and receives matching messages through `onMessage`.
 *
 * Two implementations keep the same contract (one test suite runs on both): `MemoryBroker`
 * (in-process, the embedded default) and `AmqpBroker` (RabbitMQ via `PLENUM_AMQP_URL`: a topic
 * exchange per room, one exclusive queue per controller).
 *
 * Messages are JSON-serialisable values; receivers must validate them, as any input.
 */
export interface Broker {
  /** Publishes to the room's topic with the routing key. Resolves once handed to the broker. */
  publish(roomId: string, routingKey: string, message: unknown): Promise<void>;
  /** Starts receiving messages of the room published with this routing key. Idempotent. */
  bind(roomId: string, routingKey: string): Promise<void>;
  /** Stops receiving them. Idempotent. */
  unbind(roomId: string, routingKey: string): Promise<void>;
  /**
   * Registers the single handler for received messages. `message` is the parsed JSON, or
   * `undefined` if the payload was not JSON (the handler should log and drop it).
   */
  onMessage(handler: (roomId: string, routingKey: string, message: unknown) => void): void;
  /** Closes the connection. Idempotent. */
  close(): Promise<void>;
}

/** Routing keys, built in one place so all controllers agree. */
export const routingKeys = {
  room: 'room',
  participant: (participantId: string) => `participant.${participantId}`,
  user: (userId: string) => `user.${userId}`,
} as const;
