import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import {
  HEALTH_OPERATIONS,
  RPC_SERVICES,
  type CallerContext,
  type RpcService,
} from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import type { RpcClients } from '../core/rpc';
import { REDIS, RPC_CLIENTS } from '../core/tokens';
import { HttpResult } from '../http/http-result';
import type { CheckResult, HealthReport } from './health-report';

const CHECK_TIMEOUT_MS = 2000;

async function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} did not answer in time`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof ProblemError) return error.problem.detail ?? error.problem.title;
  return error instanceof Error ? error.message : 'unknown error';
}

/** The gateway's own dependencies and the health each service reports over RPC. */
@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(RPC_CLIENTS) private readonly clients: RpcClients,
  ) {}

  async check(correlationId: string): Promise<HttpResult<HealthReport>> {
    const [database, redis, ...services] = await Promise.all([
      this.probe(() => bounded(this.dataSource.query('SELECT 1'), 'the database')),
      this.probe(() => bounded(this.redis.ping(), 'Redis')),
      ...RPC_SERVICES.map((service) => this.service(service, correlationId)),
    ]);
    const broker: CheckResult = Object.values(this.clients).every((client) => client.isConnected)
      ? { status: 'up' }
      : { status: 'down', detail: 'not connected to the message broker' };
    const checks: Record<string, CheckResult> = { database, redis, broker };
    RPC_SERVICES.forEach((service, i) => (checks[service] = services[i]));
    const healthy = Object.values(checks).every((check) => check.status === 'up');
    return new HttpResult<HealthReport>(
      { status: healthy ? 'ok' : 'error', checks },
      healthy ? 200 : 503,
    );
  }

  private async probe(work: () => Promise<unknown>): Promise<CheckResult> {
    try {
      await work();
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: reasonOf(error) };
    }
  }

  private async service(service: RpcService, correlationId: string): Promise<CheckResult> {
    // Health asks on nobody's behalf: an empty context that grants nothing.
    const context: CallerContext = {
      tenant: null,
      userId: 'gateway-health',
      role: 'worker',
      stationIds: [],
      currentStationId: null,
      correlationId,
    };
    try {
      const health = await this.clients[service].call(
        HEALTH_OPERATIONS[service],
        context,
        {},
        { timeoutMs: CHECK_TIMEOUT_MS },
      );
      return { status: health.status === 'ok' ? 'up' : 'down', service: health };
    } catch (error) {
      return { status: 'down', detail: reasonOf(error) };
    }
  }
}
