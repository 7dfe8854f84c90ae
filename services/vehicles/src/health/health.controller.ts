import { Controller, Get, Res } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { VEHICLES_RPC, type ServiceHealth } from '@kanta/contracts';
import { MessagingHealth, checkServiceHealth } from '@kanta/messaging';

@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingHealth,
  ) {}

  @Get('health')
  async http(@Res() response: Response): Promise<void> {
    const health = await this.rpc();
    response.status(health.status === 'ok' ? 200 : 503).json(health);
  }

  @MessagePattern(VEHICLES_RPC.health)
  rpc(): Promise<ServiceHealth> {
    return checkServiceHealth('vehicles', this.dataSource, this.messaging);
  }
}
