import { Controller, Get, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import type { HttpResult } from '../http/http-result';
import { requestIdOf } from '../http/request-id';
import { HealthService, type HealthReport } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get()
  @ApiOperation({
    summary: 'Database, Redis, broker and every service: 200 when all are up, else 503',
  })
  check(@Req() req: FastifyRequest): Promise<HttpResult<HealthReport>> {
    return this.health.check(requestIdOf(req));
  }
}
