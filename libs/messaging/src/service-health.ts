import { Controller, Get, Injectable, Res, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { healthPattern, type RpcService, type ServiceHealth } from '@kanta/contracts';
import { MessagingHealth } from './messaging.module';

const CHECK_TIMEOUT_MS = 2_000;

/** A service's own health: its database and the broker connection its relay publishes on. */
@Injectable()
export class ServiceHealthCheck {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingHealth,
  ) {}

  async check(service: string): Promise<ServiceHealth> {
    const database = await this.database();
    const broker = this.messaging.check().status;
    return {
      service,
      status: database === 'up' && broker === 'up' ? 'ok' : 'degraded',
      checks: { database, broker },
    };
  }

  private async database(): Promise<'up' | 'down'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('health check timed out')), CHECK_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), timeout]);
      return 'up';
    } catch {
      return 'down';
    } finally {
      clearTimeout(timer);
    }
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

    @MessagePattern(healthPattern(service))
    rpc(): Promise<ServiceHealth> {
      return this.health.check(service);
    }
  }
  return HealthController;
}
