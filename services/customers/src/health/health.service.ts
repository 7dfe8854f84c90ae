import { Inject, Injectable } from '@nestjs/common';
import { connect } from 'amqplib';
import { DataSource } from 'typeorm';
import type { ServiceHealth } from '@kanta/contracts';
import { CUSTOMERS_OPTIONS, type CustomersAppOptions } from '../app-options';

const CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CUSTOMERS_OPTIONS) private readonly options: CustomersAppOptions,
  ) {}

  async check(): Promise<ServiceHealth> {
    const [database, broker] = await Promise.all([this.database(), this.broker()]);
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

  /** A fresh connection, so the answer is about the broker now, not about a cached channel. */
  private async broker(): Promise<'up' | 'down'> {
    try {
      const connection = await withTimeout(
        connect(this.options.amqpUrl, { timeout: CHECK_TIMEOUT_MS }),
      );
      await connection.close();
      return 'up';
    } catch {
      return 'down';
    }
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('health check timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
