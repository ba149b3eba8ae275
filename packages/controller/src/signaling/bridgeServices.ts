import type { FastifyBaseLogger } from 'fastify';
import type { BridgeService } from '../bridge/routing/bridgeService.js';
import type { Broker } from '../broker/broker.js';
import type { SignalingModule } from './module.js';
import { publishToRoom } from './roomPublisher.js';

/** Each module's bridge service, by namespace, for the bridge router; made once per controller. */
export function bridgeServices(modules: readonly SignalingModule[], broker: Broker, log: FastifyBaseLogger): Map<string, BridgeService> {
  const services = new Map<string, BridgeService>();
  for (const module of modules) {
    const service = module.bridgeService?.({ publish: (roomId, audience, message) => publishToRoom(broker, roomId, audience, message), log });
    if (service) services.set(module.namespace, service);
  }
  return services;
}
