import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, RpcException, Transport } from '@nestjs/microservices';
import {
  CUSTOMERS,
  problemType,
  type CommitImportCommand,
  type RpcRequest,
} from '@kanta/contracts';
import { RPC_QUEUE_OPTIONS } from '@kanta/platform';
import {
  bootGateway,
  createTenantFixture,
  ROOT_EMAIL,
  type Harness,
  type TenantFixture,
} from './gateway-harness';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const IMPORT_ID = '0190a000-0000-7000-8000-00000000c0de';
const COMMITTED_ID = '0190a000-0000-7000-8000-00000000dead';

const received: RpcRequest<CommitImportCommand>[] = [];

/** A stand-in for the customers service's commit, over the real broker. */
@Controller()
class FakeCommitController {
  @MessagePattern(CUSTOMERS.commitImport.pattern)
  commit(@Payload() request: RpcRequest<CommitImportCommand>): unknown {
    received.push(request);
    if (request.data.id === COMMITTED_ID) {
      throw new RpcException({
        type: problemType('import-not-planned'),
        title: 'Import not planned',
        status: 409,
        detail: 'Only a planned import can be committed; this one is committed.',
      });
    }
    return { id: request.data.id, status: 'committing' };
  }
}

@Module({ controllers: [FakeCommitController] })
class FakeCustomersModule {}

/*
 * POST /api/v1/imports/{id}/commit (issue #16) at the gateway: admins only, the policy checked
 * at the edge (422 naming the field), the customers service's 409 passed on.
 */
describe('POST /imports/{id}/commit', () => {
  let h: Harness;
  let fake: INestMicroservice;
  let t: TenantFixture;
  beforeAll(async () => {
    h = await bootGateway('impcommit');
    fake = await NestFactory.createMicroservice(FakeCustomersModule, {
      transport: Transport.RMQ,
      options: {
        urls: [AMQP_URL],
        queue: h.config.rpcQueues.customers,
        queueOptions: RPC_QUEUE_OPTIONS,
        noAck: true,
      },
      logger: false,
    });
    await fake.listen();
    t = await createTenantFixture(h, await h.login(ROOT_EMAIL), 'imp-a');
  });
  afterAll(async () => {
    await fake?.close();
    await h?.close();
  });

  const commit = (token: string, body: unknown, id = IMPORT_ID) =>
    h.call('POST', `/api/v1/imports/${id}/commit`, { token, body });

  it('starts the commit for an admin: 202 with the import, the policy sent on', async () => {
    const reply = await commit(t.adminToken, { duplicates: 'merge' });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ id: IMPORT_ID, status: 'committing' });
    expect(received.at(-1)?.data).toEqual({ id: IMPORT_ID, commit: { duplicates: 'merge' } });
    expect(received.at(-1)?.command).toBeDefined();
  });

  it('refuses a bad or missing policy with 422 naming duplicates, before the service hears of it', async () => {
    const before = received.length;
    for (const body of [{ duplicates: 'overwrite' }, {}, { duplicates: 3 }]) {
      const reply = await commit(t.adminToken, body);
      expect(reply.status).toBe(422);
      expect(reply.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'duplicates' })]),
      );
    }
    expect(received.length).toBe(before);
  });

  it('refuses a worker (403) and a malformed id (404)', async () => {
    expect((await commit(t.workerToken, { duplicates: 'skip' })).status).toBe(403);
    expect((await commit(t.adminToken, { duplicates: 'skip' }, 'not-an-id')).status).toBe(404);
  });

  it('passes on 409 for an import that is not planned', async () => {
    const reply = await commit(t.adminToken, { duplicates: 'skip' }, COMMITTED_ID);
    expect(reply.status).toBe(409);
    expect(reply.body.type).toContain('import-not-planned');
  });
});
