import { Controller, Get, Res } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { Response } from 'express';
import { CUSTOMERS_RPC, type ServiceHealth } from '@kanta/contracts';
import { HealthService } from './health.service';

@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('health')
  async http(@Res() response: Response): Promise<void> {
    const health = await this.health.check();
    response.status(health.status === 'ok' ? 200 : 503).json(health);
  }

  @MessagePattern(CUSTOMERS_RPC.health)
  rpc(): Promise<ServiceHealth> {
    return this.health.check();
  }
}
