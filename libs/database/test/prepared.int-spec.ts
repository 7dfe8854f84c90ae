import type { DataSource } from 'typeorm';
import { createServiceDataSource, queryPrepared } from '@kanta/database';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';

const SCHEMA = 'prepared_probe';
const LOOKUP = `SELECT name FROM prepared_probe.things WHERE id = $1`;

describe('queryPrepared against PostgreSQL', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('prepared');
    // One connection, so every statement of the test lands on the same session.
    dataSource = createServiceDataSource({
      schema: SCHEMA,
      entities: [],
      migrations: [],
      settings: db.settings,
      poolSize: 1,
    });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
    await dataSource.query(
      `CREATE TABLE ${SCHEMA}.things (id int PRIMARY KEY, name text NOT NULL UNIQUE)`,
    );
    await dataSource.query(`INSERT INTO ${SCHEMA}.things VALUES (1, 'one'), (2, 'two')`);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const preparedOnSession = (): Promise<{ statement: string }[]> =>
    dataSource.query<{ statement: string }[]>(
      `SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%prepared_probe.things%'`,
    );

  it('answers rows and prepares each text once per connection', async () => {
    expect(await queryPrepared(dataSource, LOOKUP, [1])).toEqual([{ name: 'one' }]);
    expect(await queryPrepared(dataSource.manager, LOOKUP, [2])).toEqual([{ name: 'two' }]);
    expect(await queryPrepared(dataSource, LOOKUP, [3])).toEqual([]);
    expect(await preparedOnSession()).toEqual([{ statement: LOOKUP }]);
  });

  it("runs on a transaction's own connection and is undone with it", async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await queryPrepared(manager, `INSERT INTO ${SCHEMA}.things VALUES ($1, $2)`, [3, 'three']);
        // Only the transaction's connection sees the row it has not committed.
        expect(await queryPrepared(manager, LOOKUP, [3])).toEqual([{ name: 'three' }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await queryPrepared(dataSource, LOOKUP, [3])).toEqual([]);
  });

  it("fails with the driver's error: its code and constraint", async () => {
    await expect(
      queryPrepared(dataSource, `INSERT INTO ${SCHEMA}.things VALUES ($1, $2)`, [4, 'one']),
    ).rejects.toMatchObject({ code: '23505', constraint: 'things_name_key' });
  });
});
