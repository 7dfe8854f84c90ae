import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ServiceHealth } from '@kanta/contracts';
import { MessagingHealth, checkServiceHealth } from '@kanta/messaging';

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingHealth,
  ) {}

  check(): Promise<ServiceHealth> {
    return checkServiceHealth('customers', this.dataSource, this.messaging);
  }
}
