import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import pino from 'pino';
import type { JSONWebKeySet } from 'jose';
import { ConfigError, type Config } from './config/config.js';
import type { Database } from './db/database.js';
import { authentication } from './identity/authentication.js';
import { createDevProvider } from './identity/devProvider/provider.js';
import { devProviderPlugin } from './identity/devProvider/plugin.js';
import { TokenVerifier } from './identity/tokenVerifier.js';
import { ApiError } from './http/apiError.js';
import { errorHandler } from './http/errorHandler.js';
import { loggerOptions } from './http/logging.js';
import { metrics } from './http/metrics.js';
import { EventRepository } from './repositories/events.js';
import { InviteRepository } from './repositories/invites.js';
import { RoomRepository } from './repositories/rooms.js';
import { UserRepository } from './repositories/users.js';
import { eventRoutes } from './rest/events.js';
import { inviteRoutes } from './rest/invites.js';
import { roomRoutes } from './rest/rooms.js';
import { startRoutes } from './rest/start.js';
import { clientConfigRoutes } from './rest/clientConfig.js';
import { userRoutes } from './rest/users.js';
import type { Services } from './services.js';
import { BridgeRegistry } from './bridge/conference/bridgeRegistry.js';
import { createLauncher } from './bridge/launchers/createLauncher.js';
import { explicitAddress } from './bridge/launchers/shared/mediaAddress.js';
import { MediaAddressError, resolveMediaAddress, type MediaAddress } from './bridge/launchers/shared/mediaAddress.js';
import { BridgeRouter } from './bridge/routing/bridgeRouter.js';
import { createTurnService } from './turn/createTurnService.js';
import type { TurnService } from './turn/turnService.js';
import type { Broker } from './broker/broker.js';
import { RoomState } from './signaling/roomState.js';
import { bridgeServices } from './signaling/bridgeServices.js';
import { GuestTokens } from './signaling/guestTokens.js';
import { SignalingHub } from './signaling/hub.js';
import { signalingModules } from './signaling/modules/registry.js';
import { attachSignaling } from './signaling/socketServer.js';
import type { VolatileStore } from './state/volatileStore.js';
import { StoreTicketStore } from './tickets/storeTicketStore.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This controller's signaling hub (tests and shutdown use it). */
    signaling: SignalingHub;
    /** Where browsers send media and which TURN relay they get, for the start-up lines. */
    media: { address: MediaAddress | undefined; turn: string };
  }
}

export interface AppDependencies {
  config: Config;
  db: Database;
  /** Volatile state shared by controllers (in-process or Redis). */
  store: VolatileStore;
  /** Message bus between controllers (in-process or RabbitMQ). */
  broker: Broker;
  /** Unique per controller process. Default: a random UUID. */
  controllerId?: string;
  /** Where logs go. Default: standard output. */
  logStream?: DestinationStream;
  /** PEM certificate (chain) and private key: serve HTTPS and WSS. Default: plain HTTP. */
  https?: { cert: Buffer; key: Buffer };
}

/**
 * Builds the controller's HTTP application: external plugins, then Plenum's own (identity,
 * metrics), then the routes. Nothing listens until the caller says so.
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, db, store, broker } = deps;
  const tickets = new StoreTicketStore(store);
  const guestTokens = new GuestTokens(store, config.guestTokenTtlSeconds);
  const logger: FastifyBaseLogger = pino(loggerOptions(config.logLevel), deps.logStream ?? pino.destination(1));
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    https: deps.https ?? null,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);

  const services: Services = {
    config,
    db,
    tickets,
    store,
    guestTokens,
    users: new UserRepository(db),
    rooms: new RoomRepository(db),
    invites: new InviteRepository(db),
    events: new EventRepository(db),
  };

  // External plugins.
  const secure = config.publicUrl.startsWith('https://');
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: secure ? [] : null,
      },
    },
    hsts: secure,
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'rate_limited', `too many requests; try again in ${context.after}`),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Plenum REST API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    hideUntagged: true,
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  // Plenum's plugins.
  await app.register(metrics);
  let devKeys: JSONWebKeySet | undefined;
  if (!config.oidc.externalIssuer) {
    const dev = await createDevProvider({
      issuer: config.oidc.issuer,
      publicUrl: config.publicUrl,
      audience: config.oidc.audience,
      clientId: config.oidc.clientId,
      trustProxy: config.trustProxy,
      accessTokenTtlSeconds: config.devTokenTtlSeconds,
    });
    devKeys = dev.publicKeys;
    await app.register(devProviderPlugin, {
      provider: dev.provider,
      mountPath: new URL(config.oidc.issuer).pathname.replace(/\/+$/, ''),
      password: config.devPassword,
    });
  }
  const verifier = new TokenVerifier({
    issuer: config.oidc.issuer,
    audience: config.oidc.audience,
    algorithms: config.oidc.algorithms,
    clockToleranceSeconds: config.oidc.clockToleranceSeconds,
    requireVerifiedEmail: config.oidc.requireVerifiedEmail,
    ...(devKeys ? { localKeys: devKeys } : {}),
  });

  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));
  // Where browsers send media, and the relay for those who cannot reach it directly.
  const mediaAddress = await resolveMediaAddressFor(config, app.log);
  const turn = await startTurn(config, mediaAddress, app.log);
  app.addHook('onClose', async () => turn.service?.close());

  app.get('/readyz', { config: { public: true } }, async (_request, reply) => {
    const down: string[] = [];
    try {
      await db.ping();
    } catch (cause) {
      app.log.warn({ err: cause }, 'database not reachable');
      down.push('database not reachable');
    }
    const turnProblem = turn.failed ?? (await turn.service?.problem().catch((error: unknown) => (error instanceof Error ? error.message : 'unknown')));
    if (turnProblem !== undefined) down.push(`TURN relay: ${turnProblem}`);
    if (down.length > 0) return reply.code(503).send({ code: 'service_unavailable', message: down.join('; ') });
    return { status: 'ready' };
  });

  // The REST API: every route needs a bearer token unless marked public.
  await app.register(
    async (api) => {
      // The API speaks JSON only; anything else is a 415, not a string to validate.
      api.removeContentTypeParser('text/plain');
      await api.register(authentication, { verifier, users: services.users });
      api.get('/openapi.json', { config: { public: true } }, async () => app.swagger());
      await api.register(userRoutes, { services });
      await api.register(roomRoutes, { services });
      await api.register(inviteRoutes, { services });
      await api.register(startRoutes, { services });
      await api.register(eventRoutes, { services });
      await api.register(clientConfigRoutes, { issuer: config.oidc.issuer, clientId: config.oidc.clientId, video: config.video });
    },
    { prefix: '/v1' },
  );

  const launcher = createLauncher({
    ...config.bridge,
    brokerUrl: config.amqpUrl,
    publicAddressSetting: config.bridge.publicAddress,
    publicAddress: mediaAddress,
    warn: (message) => app.log.warn(message),
    onKubernetesError: (err) => app.log.warn({ err }, 'kubernetes bridges'),
  });
  // Bridges left by a controller that died here go now, not at the first conference.
  void launcher.sweep().catch((err: unknown) => app.log.warn({ err }, 'could not sweep bridges of dead controllers'));
  const controllerId = deps.controllerId ?? randomUUID();
  const bridges = new BridgeRegistry({
    launcher,
    brokerUrl: config.amqpUrl,
    graceMs: config.bridge.graceMs,
    poolSize: config.bridge.poolSize,
    keepaliveMs: config.bridge.keepaliveMs,
    hasParticipants: async (roomId) => (await new RoomState(store, roomId).participants()).length > 0,
    log: app.log,
  });
  const media = new BridgeRouter({
    controllerId,
    registry: bridges,
    store,
    broker,
    leaseMs: config.signaling.heartbeatTtlMs,
    services: bridgeServices(signalingModules, broker, app.log),
    participantIds: async (roomId) => new Set((await new RoomState(store, roomId).participants()).map((record) => record.id)),
    log: app.log,
  });
  const hub = new SignalingHub({
    bridges,
    media,
    controllerId,
    store,
    broker,
    modules: signalingModules,
    config: config.signaling,
    guestTokens,
    verifyUserToken: (token) => verifier.verify(token),
    ...(turn.service ? { iceServers: (participantId: string, expiresAtMs: number) => turn.service?.iceServers(participantId, expiresAtMs) ?? [] } : {}),
    log: app.log,
  });
  await hub.start();
  attachSignaling(app, { hub, tickets, rooms: services.rooms });
  app.decorate('signaling', hub);
  app.decorate('media', { address: mediaAddress, turn: turn.description });

  await registerWebClient(app, config.webDir);
  return app;
}

/** Where browsers send media, for launchers that forward it; `undefined`: bridges' own addresses. */
async function resolveMediaAddressFor(config: Config, log: FastifyBaseLogger): Promise<MediaAddress | undefined> {
  const { launcher, publicAddress, hostAddress } = config.bridge;
  // `host` bridges listen on the host's address itself; the embedded TURN relay serves them there.
  if (launcher === 'host' && hostAddress) {
    const advertised = explicitAddress(publicAddress) ?? hostAddress;
    return { advertised, local: hostAddress, source: advertised === hostAddress ? 'configured' : 'configured, behind 1:1 NAT' };
  }
  if (publicAddress === 'internal' || (launcher !== 'sandbox' && launcher !== 'oci')) return undefined;
  try {
    const address = await resolveMediaAddress(publicAddress);
    log.info({ mediaAddress: address.advertised, hostAddress: address.local, source: address.source }, `browsers send media to ${address.advertised} (${address.source}; PLENUM_MEDIA_PUBLIC_ADDRESS changes it)`);
    return address;
  } catch (error) {
    if (error instanceof MediaAddressError) throw new ConfigError([`PLENUM_MEDIA_PUBLIC_ADDRESS: ${error.message}`]);
    throw error;
  }
}

/**
 * The TURN relay the configuration names. A relay that does not start leaves the controller
 * running (people on open networks still meet), with the reason in the log and in /readyz.
 */
async function startTurn(config: Config, mediaAddress: MediaAddress | undefined, log: FastifyBaseLogger): Promise<{ service?: TurnService; failed?: string; description: string }> {
  if (config.turn.mode === 'off' || config.bridge.launcher === 'none') return { description: 'off' };
  // Browsers on this machine only (internal media address): nobody needs a relay.
  if (config.turn.mode === 'embedded' && mediaAddress === undefined) return { description: 'off' };
  try {
    const service = await createTurnService(config.turn, {
      publicAddress: mediaAddress?.advertised,
      ...(mediaAddress ? { listenAddress: mediaAddress.local } : {}),
      // Beside the bridges' directories (on tmpfs by default), not inside: that one is theirs alone.
      dir: `${config.bridge.dir}-turn`,
      log,
    });
    if (!service) return { description: 'off' };
    const description = service.kind === 'embedded' ? `coturn on ${mediaAddress?.local ?? ''}` : 'external';
    log.info({ turn: service.kind }, `TURN relay: ${description}`);
    return { service, description };
  } catch (error) {
    log.error({ err: error }, 'the TURN relay did not start: browsers behind strict firewalls cannot get media');
    const failed = `did not start (${error instanceof Error ? error.message : 'unknown error'})`;
    return { failed, description: failed };
  }
}

/** Serves the built web client, with `index.html` for client-side routes. */
async function registerWebClient(app: FastifyInstance, webDir: string): Promise<void> {
  const hasClient = existsSync(path.join(webDir, 'index.html'));
  if (hasClient) await app.register(fastifyStatic, { root: webDir, wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((request, reply) => {
    const isApi = /^\/(v1|idp|metrics|healthz|readyz)(\/|$)/.test(request.url);
    if (hasClient && request.method === 'GET' && !isApi && request.headers.accept?.includes('text/html')) {
      return reply.sendFile('index.html');
    }
    return reply.code(404).send({ code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
