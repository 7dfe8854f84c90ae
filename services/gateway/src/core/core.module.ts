import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import Redis from 'ioredis';
import { RPC_SERVICES } from '@kanta/contracts';
import { RpcClient } from '@kanta/platform';
import type { GatewayConfig } from '../config';
import { Rpc, type RpcClients } from './rpc';
import { GATEWAY_CONFIG, REDIS, RPC_CLIENTS } from './tokens';

/**
 * Connects Redis and the broker at start without making either a condition of starting: the
 * gateway comes up, answers 503 for what needs the missing piece and says so in /health.
 */
@Injectable()
class InfrastructureLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Infrastructure');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(RPC_CLIENTS) private readonly clients: RpcClients,
  ) {}

  async onModuleInit(): Promise<void> {
    const [redisUp, brokerUp] = await Promise.all([
      this.redis.connect().then(
        () => true,
        () => false,
      ),
      Promise.all(Object.values(this.clients).map((client) => client.connect())).then((up) =>
        up.every(Boolean),
      ),
    ]);
    if (!redisUp) this.logger.warn('Redis is not reachable yet; login answers 503 until it is');
    if (!brokerUp)
      this.logger.warn('The broker is not reachable yet; RPC calls answer 503 until it is');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      ...Object.values(this.clients).map((client) => client.close()),
      this.redis.quit(),
    ]);
    this.redis.disconnect();
  }
}

/** The gateway's configuration and its connections to Redis and the services. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        {
          provide: REDIS,
          useFactory: () =>
            new Redis(config.redisUrl, {
              lazyConnect: true,
              // Fail at once when Redis is away instead of queueing the command until it is back.
              enableOfflineQueue: false,
              maxRetriesPerRequest: 1,
              connectTimeout: 2000,
              commandTimeout: 2000,
            }),
        },
        {
          provide: RPC_CLIENTS,
          useFactory: (): RpcClients =>
            Object.fromEntries(
              RPC_SERVICES.map((service) => [
                service,
                new RpcClient({
                  service,
                  amqpUrl: config.amqpUrl,
                  queue: config.rpcQueues[service],
                  timeoutMs: config.rpcTimeoutMs,
                }),
              ]),
            ) as RpcClients,
        },
        Rpc,
        InfrastructureLifecycle,
      ],
      exports: [GATEWAY_CONFIG, REDIS, RPC_CLIENTS, Rpc],
    };
  }
}
