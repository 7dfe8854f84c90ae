import { readConfig, readInfrastructureConfig } from './config';

describe('readInfrastructureConfig', () => {
  it('reads the broker, Redis and the name prefixes, with local defaults', () => {
    expect(readConfig(readInfrastructureConfig, { EVENTS_QUEUE_PREFIX: 'e2e.1.' })).toEqual({
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      redisUrl: 'redis://127.0.0.1:6379',
      jobsPrefix: 'kanta:jobs',
      eventsExchange: 'kanta.events',
      rpcQueuePrefix: '',
      eventsQueuePrefix: 'e2e.1.',
      eventsBatchSize: 512,
      eventsWaitRetentionDays: 30,
    });
  });

  it('lists every bad variable at once', () => {
    expect(() =>
      readConfig(readInfrastructureConfig, {
        AMQP_URL: 'http://broker',
        REDIS_URL: 'localhost:6379',
        EVENTS_QUEUE_PREFIX: 'has space',
        EVENTS_WAIT_RETENTION_DAYS: '0',
      }),
    ).toThrow(
      /AMQP_URL[\s\S]*REDIS_URL[\s\S]*EVENTS_QUEUE_PREFIX[\s\S]*EVENTS_WAIT_RETENTION_DAYS/,
    );
  });
});
