import { randomBytes } from 'node:crypto';
import { BullModule, InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Job, Queue } from 'bullmq';
import { jobsRootOptions } from '../src/jobs';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE = 'jobs-setup-check';
const processed: string[] = [];

@Processor(QUEUE)
class EchoProcessor extends WorkerHost {
  async process(job: Job<{ value: string }>): Promise<string> {
    processed.push(job.data.value);
    return job.data.value.toUpperCase();
  }
}

@Injectable()
class EchoProducer {
  constructor(@InjectQueue(QUEUE) readonly queue: Queue) {}
}

describe('BullMQ jobs through @nestjs/bullmq (real Redis)', () => {
  const prefix = `kanta:test:${randomBytes(4).toString('hex')}`;
  let close: () => Promise<void>;
  let queue: Queue;

  beforeAll(async () => {
    @Module({
      imports: [
        BullModule.forRoot(jobsRootOptions(REDIS_URL, prefix)),
        BullModule.registerQueue({ name: QUEUE }),
      ],
      providers: [EchoProcessor, EchoProducer],
    })
    class JobsTestModule {}
    const moduleRef = await Test.createTestingModule({ imports: [JobsTestModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    queue = app.get(EchoProducer).queue;
    close = async () => {
      await queue.obliterate({ force: true });
      await app.close();
    };
  });
  afterAll(async () => {
    await close?.();
  });

  it('runs a job on a worker and keeps its result', async () => {
    const job = await queue.add('echo', { value: 'kanta' }, { jobId: 'job-1' });
    const result: unknown = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('job not done in 10 s')), 10_000);
      const poll = async (): Promise<void> => {
        const state = await job.getState();
        if (state === 'completed') {
          clearTimeout(timer);
          resolve((await queue.getJob('job-1'))?.returnvalue);
        } else setTimeout(() => void poll(), 50);
      };
      void poll();
    });
    expect(result).toBe('KANTA');
    expect(processed).toEqual(['kanta']);
  });

  it('makes one job of two adds with the same deterministic id', async () => {
    await queue.add('echo', { value: 'once' }, { jobId: 'job-2', delay: 60_000 });
    await queue.add('echo', { value: 'twice' }, { jobId: 'job-2', delay: 60_000 });
    expect(await queue.getDelayedCount()).toBe(1);
    expect((await queue.getJob('job-2'))?.data).toEqual({ value: 'once' });
  });

  it('reads REDIS_URL with credentials, database and TLS', () => {
    expect(jobsRootOptions('rediss://user:p%40ss@redis.internal:6380/2').connection).toEqual({
      host: 'redis.internal',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
      maxRetriesPerRequest: null,
    });
  });
});
