import { Controller, Get, Injectable, Res, type Type } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { HEALTH_OPERATIONS, type RpcService, type ServiceHealth } from '@kanta/contracts';
import { Handles } from '@kanta/platform';
import { MessagingHealth } from './messaging.module';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * What a service answers on `/health` and to its `<service>.health` RPC: its database (one
 * bounded `SELECT 1`) and the broker connection its outbox relay and consumer use.
 */
export async function checkServiceHealth(
  service: string,
  dataSource: DataSource,
  messaging: MessagingHealth,
): Promise<ServiceHealth> {
  const database = await databaseStatus(dataSource);
  const broker = messaging.check().status;
  return {
    service,
    status: database === 'up' && broker === 'up' ? 'ok' : 'degraded',
    checks: { database, broker },
  };
}

async function databaseStatus(dataSource: DataSource): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('health check timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([dataSource.query('SELECT 1'), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** checkServiceHealth as an injectable, for serviceHealthController. */
@Injectable()
export class ServiceHealthCheck {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingHealth,
  ) {}

  check(service: string): Promise<ServiceHealth> {
    return checkServiceHealth(service, this.dataSource, this.messaging);
  }
}

/**
 * `GET /health` (200 or 503) and the `<service>.health` RPC pattern the gateway's /health asks,
 * as a controller class for the service's module; provide ServiceHealthCheck beside it.
 */
export function serviceHealthController(service: RpcService): Type {
  @Controller()
  class HealthController {
    constructor(private readonly health: ServiceHealthCheck) {}

    @Get('health')
    async http(@Res() response: Response): Promise<void> {
      const health = await this.health.check(service);
      response.status(health.status === 'ok' ? 200 : 503).json(health);
    }

    @Handles(HEALTH_OPERATIONS[service])
    rpc(): Promise<ServiceHealth> {
      return this.health.check(service);
    }
  }
  return HealthController;
}
