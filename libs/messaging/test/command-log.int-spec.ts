import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { CommandLog, OutboxRelay, commandLogTableV1Up } from '@kanta/messaging';
import { WriteCommand } from '@kanta/platform';
import { problemOf } from '@kanta/testing';
import {
  SCHEMA,
  brokerConnection,
  countRows,
  createMessagingDatabase,
  silentLogger,
  type MessagingDatabase,
} from './support';

jest.setTimeout(30_000);

/*
 * The command log on a real PostgreSQL: a write recorded with its effect runs once, whatever
 * delivers it again, and nothing commits after its deadline.
 */
describe('CommandLog', () => {
  let database: MessagingDatabase;
  let log: CommandLog;
  const tenantId = randomUUID();

  beforeAll(async () => {
    database = await createMessagingDatabase('commandlog');
    for (const sql of commandLogTableV1Up(SCHEMA)) await database.dataSource.query(sql);
    await database.dataSource.query(
      `CREATE TABLE "${SCHEMA}".things (id uuid PRIMARY KEY, name text NOT NULL)`,
    );
    log = new CommandLog(database.dataSource, SCHEMA);
  });
  afterAll(async () => {
    await database?.close();
  });

  const command = (
    options: {
      id?: string;
      fingerprint?: string;
      deadline?: number | null;
      fromClient?: boolean;
    } = {},
  ): WriteCommand =>
    new WriteCommand(
      tenantId,
      options.id ?? randomUUID(),
      options.fromClient ?? false,
      options.deadline === undefined || options.deadline === null
        ? null
        : new Date(options.deadline),
      'test.thing.create',
      options.fingerprint ?? 'same-request',
    );

  /** Deliveries whose work started, by command id. */
  const started: string[] = [];

  /** A create as a use case writes one: the thing and the command, in one transaction. */
  const create = (cmd: WriteCommand, name: string, pauseMs = 0): Promise<string> =>
    log.once(
      cmd,
      () =>
        database.dataSource.transaction(async (manager: EntityManager) => {
          started.push(cmd.id);
          const id = randomUUID();
          await manager.query(`INSERT INTO "${SCHEMA}".things (id, name) VALUES ($1, $2)`, [
            id,
            name,
          ]);
          if (pauseMs > 0) await manager.query('SELECT pg_sleep($1)', [pauseMs / 1000]);
          await log.record(manager, cmd, { id });
          return id;
        }),
      async (earlier) => earlier.resultId!,
    );

  const things = (name: string): Promise<number> =>
    countRows(
      database.dataSource,
      `SELECT count(*) AS n FROM "${SCHEMA}".things WHERE name = '${name}'`,
    );

  it('answers a command delivered again with what the first delivery made, making nothing', async () => {
    const cmd = command();
    const first = await create(cmd, 'again');
    expect(await create(cmd, 'again')).toBe(first);
    expect(await things('again')).toBe(1);
  });

  it('makes one thing of two deliveries at the same moment, and answers both with it', async () => {
    const cmd = command();
    // The first holds its transaction open: the second runs its work, waits on the command's key,
    // then is rolled back and answered with the first's thing.
    const [a, b] = await Promise.all([create(cmd, 'together', 300), create(cmd, 'together')]);
    expect(a).toBe(b);
    expect(await things('together')).toBe(1);
  });

  it('refuses the same id with another request: 422 idempotency-key-reused', async () => {
    const id = randomUUID();
    await create(command({ id, fingerprint: 'one body' }), 'reused');
    const problem = await problemOf(create(command({ id, fingerprint: 'another body' }), 'reused'));
    expect(problem).toMatchObject({ status: 422 });
    expect(problem.type).toContain('idempotency-key-reused');
    expect(await things('reused')).toBe(1);
  });

  it('starts no work whose deadline has passed: 504 deadline-passed', async () => {
    const late = command({ deadline: Date.now() - 1 });
    const problem = await problemOf(create(late, 'late'));
    expect(problem).toMatchObject({ status: 504 });
    expect(problem.type).toContain('deadline-passed');
    expect(started).not.toContain(late.id);
    expect(await things('late')).toBe(0);
  });

  it('commits no work whose deadline passed while it ran: 504, and nothing written', async () => {
    const cmd = command({ deadline: Date.now() + 300 });
    const problem = await problemOf(create(cmd, 'overran', 600));
    expect(problem).toMatchObject({ status: 504 });
    expect(await things('overran')).toBe(0);
    expect(
      await countRows(
        database.dataSource,
        `SELECT count(*) AS n FROM "${SCHEMA}".commands WHERE command_id = '${cmd.id}'`,
      ),
    ).toBe(0);
  });

  it('forgets gateway-made ids an hour after their deadline, and keeps clients’ keys', async () => {
    const old = Date.now() - 2 * 3600_000;
    const made = command({ deadline: old });
    const clients = command({ deadline: old, fromClient: true });
    for (const cmd of [made, clients]) {
      // Recorded as if long ago: no deadline when inserted (checked at the commit), then one.
      await database.dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO "${SCHEMA}".commands
             (tenant_id, command_id, pattern, fingerprint, from_client, deadline)
           VALUES ($1, $2, 'test.thing.create', 'x', $3, NULL)`,
          [tenantId, cmd.id, cmd.fromClient],
        );
        await manager.query(`UPDATE "${SCHEMA}".commands SET deadline = $2 WHERE command_id = $1`, [
          cmd.id,
          new Date(old),
        ]);
      });
    }
    const broker = brokerConnection('commandlog');
    const relay = new OutboxRelay({
      dataSource: database.dataSource,
      broker,
      schema: SCHEMA,
      eventsExchange: `test.commandlog.${randomUUID()}`,
      logger: silentLogger,
      commandLog: true,
    });
    try {
      await relay.deleteExpired();
    } finally {
      await broker.close();
    }
    const kept = await database.dataSource.query<{ command_id: string }[]>(
      `SELECT command_id FROM "${SCHEMA}".commands WHERE command_id = ANY($1)`,
      [[made.id, clients.id]],
    );
    expect(kept).toEqual([{ command_id: clients.id }]);
  });
});
