import { readConfig } from '@kanta/platform';
import { readCustomersConfig } from './config';

describe('customers configuration', () => {
  it('has defaults for the reminder jobs', () => {
    const config = readConfig(readCustomersConfig, {});
    expect(config.infrastructure.jobsPrefix).toBe('kanta:jobs');
    expect(config.reminderSweepIntervalMs).toBe(60_000);
    expect(config.infrastructure.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('reads JOBS_PREFIX and REMINDER_SWEEP_INTERVAL_MS', () => {
    const config = readConfig(readCustomersConfig, {
      JOBS_PREFIX: 'staging:jobs',
      REMINDER_SWEEP_INTERVAL_MS: '5000',
    });
    expect([config.infrastructure.jobsPrefix, config.reminderSweepIntervalMs]).toEqual([
      'staging:jobs',
      5000,
    ]);
  });

  it('refuses bad values, naming each', () => {
    expect(() =>
      readConfig(readCustomersConfig, {
        JOBS_PREFIX: 'has spaces',
        REMINDER_SWEEP_INTERVAL_MS: '10',
        REDIS_URL: 'http://redis',
      }),
    ).toThrow(
      /JOBS_PREFIX[\s\S]*REMINDER_SWEEP_INTERVAL_MS|REMINDER_SWEEP_INTERVAL_MS[\s\S]*JOBS_PREFIX/,
    );
    expect(() => readConfig(readCustomersConfig, { REDIS_URL: 'http://redis' })).toThrow(
      /REDIS_URL/,
    );
  });
});
