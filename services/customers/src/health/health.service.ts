import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ServiceHealth } from '@kanta/contracts';
import { MessagingHealth } from '@kanta/messaging';

const CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingHealth,
  ) {}

  async check(): Promise<ServiceHealth> {
    const database = await this.database();
    const broker = this.broker();
    return {
      service: 'customers',
      status: database === 'up' && broker === 'up' ? 'ok' : 'degraded',
      checks: { database, broker },
    };
  }

  private async database(): Promise<'up' | 'down'> {
    try {
      await withTimeout(this.dataSource.query('SELECT 1'));
      return 'up';
    } catch {
      return 'down';
    }
  }

  /** The state of the connection the outbox relay publishes on. */
  private broker(): 'up' | 'down' {
    return this.messaging.check().status;
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('health check timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
