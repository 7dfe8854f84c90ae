import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { ServiceHealth } from '@kanta/contracts';

/** What a service reports of itself over RPC. */
export class ServiceHealthView implements ServiceHealth {
  @ApiProperty({ example: 'customers' }) service: string;
  @ApiProperty({ enum: ['ok', 'degraded'] }) status: 'ok' | 'degraded';
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: ['up', 'down'] },
    example: { database: 'up', broker: 'up' },
  })
  checks: Record<string, 'up' | 'down'>;
}

/** One dependency of the gateway: the database, Redis, the broker, or a service. */
export class CheckResult {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
  @ApiPropertyOptional({ description: 'Why it is down' }) detail?: string;
  @ApiPropertyOptional({ type: ServiceHealthView }) service?: ServiceHealthView;
}

export class HealthReport {
  @ApiProperty({ enum: ['ok', 'error'] }) status: 'ok' | 'error';
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(CheckResult) },
    description: 'By dependency: database, redis, broker and each service',
  })
  checks: Record<string, CheckResult>;
}
