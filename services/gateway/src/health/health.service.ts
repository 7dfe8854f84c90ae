import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { CUSTOMERS_RPC, type CallerContext, type ServiceHealth } from '@kanta/contracts';
import { ProblemError, type RpcClient } from '@kanta/platform';
import { CUSTOMERS_RPC_CLIENT, REDIS } from '../core/tokens';
import { HttpResult } from '../http/http-result';

export interface CheckResult {
  status: 'up' | 'down';
  detail?: string;
  service?: ServiceHealth;
}

export interface HealthReport {
  status: 'ok' | 'error';
  checks: Record<string, CheckResult>;
}

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
    @Inject(CUSTOMERS_RPC_CLIENT) private readonly customers: RpcClient,
  ) {}

  async check(correlationId: string): Promise<HttpResult<HealthReport>> {
    const [database, redis, customers] = await Promise.all([
      this.probe(() => bounded(this.dataSource.query('SELECT 1'), 'the database')),
      this.probe(() => bounded(this.redis.ping(), 'Redis')),
      this.service(correlationId),
    ]);
    const broker: CheckResult = this.customers.isConnected
      ? { status: 'up' }
      : { status: 'down', detail: 'not connected to the message broker' };
    const checks = { database, redis, broker, customers };
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

  private async service(correlationId: string): Promise<CheckResult> {
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
      const health = await this.customers.send<ServiceHealth>(
        CUSTOMERS_RPC.health,
        { context, data: {} },
        CHECK_TIMEOUT_MS,
      );
      return { status: health.status === 'ok' ? 'up' : 'down', service: health };
    } catch (error) {
      return { status: 'down', detail: reasonOf(error) };
    }
  }
}
