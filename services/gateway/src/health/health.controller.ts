import { Controller, Get, Req } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import type { HttpResult } from '../http/http-result';
import { requestIdOf } from '../http/request-id';
import { CheckResult, HealthReport } from './health-report';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get()
  @ApiOperation({
    summary: 'Database, Redis, broker and every service: 200 when all are up, else 503',
  })
  @ApiExtraModels(CheckResult)
  @ApiOkResponse({ type: HealthReport })
  @ApiResponse({ status: 503, type: HealthReport, description: 'Something is down: see checks' })
  check(@Req() req: FastifyRequest): Promise<HttpResult<HealthReport>> {
    return this.health.check(requestIdOf(req));
  }
}
