import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  migrateServiceSchema,
  postgresSettingsFromEnv,
  serviceDatabaseSettingsFromEnv,
  type ServiceDatabaseSettings,
  type ServiceSchema,
} from '@kanta/database';
import { dropDatabase } from '@kanta/testing';

/*
 * A service's start against its database, on a database of the test's own (created by the start
 * itself) and a probe schema with roles of its own (`kanta_probe`, `kanta_probe_owner`: roles are
 * cluster-wide, and these belong to this file alone).
 */
const SCHEMA = 'probe';

const migration = (name: string, statements: string[]): MigrationInterface => {
  const up = async (runner: QueryRunner): Promise<void> => {
    for (const sql of statements) await runner.query(sql);
  };
  return Object.assign(Object.create(null) as MigrationInterface, {
    name,
    up,
    down: async () => undefined,
  });
};

/** TypeORM takes migration classes; each instance of this one is the migration above. */
const asClass = (m: MigrationInterface): new () => MigrationInterface =>
  function (this: MigrationInterface) {
    return m;
  } as unknown as new () => MigrationInterface;

const FIRST = migration('Probe1700000000000', [
  'CREATE TABLE probe.things (id bigserial PRIMARY KEY, name text NOT NULL)',
  'CREATE TABLE probe.journal (id bigserial PRIMARY KEY, entry text NOT NULL)',
]);

const schemaOf = (...migrations: MigrationInterface[]): ServiceSchema => ({
  schema: SCHEMA,
  entities: [],
  migrations: migrations.map(asClass),
  appendOnly: ['journal'],
});

describe('a service readying its database (real PostgreSQL)', () => {
  const databases: string[] = [];

  const freshDatabase = (env: NodeJS.ProcessEnv = {}): ServiceDatabaseSettings => {
    const database = `kanta_t_probe_${randomBytes(4).toString('hex')}`;
    databases.push(database);
    const merged = { ...process.env, PGDATABASE: database, ...env };
    return serviceDatabaseSettingsFromEnv(SCHEMA, merged, postgresSettingsFromEnv(merged));
  };

  const connect = async (settings: { user: string }, base: ServiceDatabaseSettings) => {
    const client = new Client({ ...base.runtime, ...settings });
    await client.connect();
    return client;
  };

  const asAdministrator = async <T>(
    settings: ServiceDatabaseSettings,
    work: (client: Client) => Promise<T>,
  ): Promise<T> => {
    const client = new Client({
      ...postgresSettingsFromEnv(),
      database: settings.runtime.database,
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  afterAll(async () => {
    for (const database of databases) await dropDatabase(database);
  });

  it('creates the database, roles and schema once when eight instances start at once', async () => {
    const settings = freshDatabase();
    const applied = await Promise.all(
      Array.from({ length: 8 }, () => migrateServiceSchema(schemaOf(FIRST), settings)),
    );
    expect(applied.flat()).toEqual(['Probe1700000000000']);
    const owners = await asAdministrator(
      settings,
      async (client) =>
        (
          await client.query<{ name: string; owner: string }>(
            `SELECT nspname AS name, nspowner::regrole::text AS owner FROM pg_namespace
            WHERE nspname = 'probe'
           UNION ALL
           SELECT relname, relowner::regrole::text FROM pg_class
            WHERE relnamespace = 'probe'::regnamespace AND relkind = 'r' ORDER BY 1`,
          )
        ).rows,
    );
    expect(owners).toEqual(
      ['journal', 'migration_checksums', 'migrations', 'probe', 'things'].map((name) => ({
        name,
        owner: 'kanta_probe_owner',
      })),
    );
  });

  it('grants the runtime role the DML of its schema, no more, and append-only tables less', async () => {
    const settings = freshDatabase();
    await migrateServiceSchema(schemaOf(FIRST), settings);
    const runtime = await connect(settings.runtime, settings);
    try {
      await runtime.query(`INSERT INTO probe.things (name) VALUES ('a')`);
      await runtime.query(`UPDATE probe.things SET name = 'b'`);
      await runtime.query(`DELETE FROM probe.things`);
      await runtime.query(`INSERT INTO probe.journal (entry) VALUES ('kept')`);
      for (const [sql, refusal] of [
        [`UPDATE probe.journal SET entry = 'changed'`, /permission denied for table journal/],
        ['DELETE FROM probe.journal', /permission denied for table journal/],
        ['TRUNCATE probe.things', /permission denied for table things/],
        ['CREATE TABLE probe.extra (id int)', /permission denied for schema probe/],
        ['ALTER TABLE probe.things ADD COLUMN extra int', /must be owner of table things/],
        ['DROP TABLE probe.things', /must be owner of table things/],
        [`DELETE FROM probe.migrations`, /permission denied for table migrations/],
        [
          `DELETE FROM probe.migration_checksums`,
          /permission denied for table migration_checksums/,
        ],
      ] as const) {
        await expect(runtime.query(sql)).rejects.toThrow(refusal);
      }
      expect((await runtime.query('SELECT entry FROM probe.journal')).rows).toEqual([
        { entry: 'kept' },
      ]);
    } finally {
      await runtime.end();
    }
  });

  it('covers tables a later migration makes, and what the owner makes between migrations', async () => {
    const settings = freshDatabase();
    await migrateServiceSchema(schemaOf(FIRST), settings);
    const second = migration('Probe1700000000001', [
      'CREATE TABLE probe.later (id int PRIMARY KEY)',
    ]);
    expect(await migrateServiceSchema(schemaOf(FIRST, second), settings)).toEqual([
      'Probe1700000000001',
    ]);
    // As a SECURITY DEFINER function of the schema does while the service runs (a tenant's
    // customer-number sequence): made after the last grants, covered by default privileges.
    const owner = await connect(settings.owner, settings);
    await owner.query('CREATE SEQUENCE probe.made_at_run_time');
    await owner.end();
    const runtime = await connect(settings.runtime, settings);
    try {
      await runtime.query('INSERT INTO probe.later VALUES (1)');
      expect((await runtime.query(`SELECT nextval('probe.made_at_run_time') AS n`)).rows).toEqual([
        { n: '1' },
      ]);
    } finally {
      await runtime.end();
    }
  });

  it('hands a schema made before the roles existed over to its owner', async () => {
    const settings = freshDatabase();
    // As every service did before it had roles: the administrator made the schema and all in it.
    await migrateServiceSchema(schemaOf(FIRST), settings);
    await asAdministrator(settings, async (client) => {
      await client.query('DROP SCHEMA probe CASCADE');
      await client.query('CREATE SCHEMA probe');
      await client.query('CREATE TABLE probe.things (id bigserial PRIMARY KEY, name text)');
      await client.query('CREATE TABLE probe.journal (id bigserial PRIMARY KEY, entry text)');
      await client.query('CREATE SEQUENCE probe.loose');
      await client.query('CREATE VIEW probe.names AS SELECT name FROM probe.things');
      await client.query(
        `CREATE FUNCTION probe.shout(t text) RETURNS text LANGUAGE sql AS 'SELECT upper(t)'`,
      );
      await client.query(`CREATE TYPE probe.mood AS ENUM ('calm')`);
      await client.query(
        `CREATE TABLE probe.migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL,
           name varchar NOT NULL)`,
      );
      await client.query(
        `INSERT INTO probe.migrations ("timestamp", name) VALUES (1700000000000, 'Probe1700000000000')`,
      );
    });

    expect(await migrateServiceSchema(schemaOf(FIRST), settings)).toEqual([]);
    const notOwned = await asAdministrator(
      settings,
      async (client) =>
        (
          await client.query<{ what: string }>(
            `SELECT relname AS what FROM pg_class
            WHERE relnamespace = 'probe'::regnamespace
              AND relowner <> 'kanta_probe_owner'::regrole
           UNION ALL
           SELECT proname FROM pg_proc
            WHERE pronamespace = 'probe'::regnamespace
              AND proowner <> 'kanta_probe_owner'::regrole
           UNION ALL
           SELECT typname FROM pg_type
            WHERE typnamespace = 'probe'::regnamespace
              AND typowner <> 'kanta_probe_owner'::regrole`,
          )
        ).rows,
    );
    expect(notOwned).toEqual([]);
    // The existing migration got its checksum as the baseline.
    const recorded = await asAdministrator(
      settings,
      async (client) =>
        (await client.query<{ name: string }>('SELECT name FROM probe.migration_checksums')).rows,
    );
    expect(recorded).toEqual([{ name: 'Probe1700000000000' }]);
  });

  it('refuses to migrate when an applied migration has changed or is gone, before applying any', async () => {
    const settings = freshDatabase();
    await migrateServiceSchema(schemaOf(FIRST), settings);
    const edited = migration('Probe1700000000000', [
      'CREATE TABLE probe.things (id bigserial PRIMARY KEY, name text NOT NULL, extra int)',
      'CREATE TABLE probe.journal (id bigserial PRIMARY KEY, entry text NOT NULL)',
    ]);
    const next = migration('Probe1700000000001', ['CREATE TABLE probe.later (id int)']);
    await expect(migrateServiceSchema(schemaOf(edited, next), settings)).rejects.toThrow(
      /Probe1700000000000 has changed since it was applied/,
    );
    await expect(migrateServiceSchema(schemaOf(next), settings)).rejects.toThrow(
      /Probe1700000000000 was applied but is no longer one of the service's migrations/,
    );
    const later = await asAdministrator(
      settings,
      async (client) =>
        (await client.query<{ t: string | null }>(`SELECT to_regclass('probe.later') AS t`)).rows,
    );
    expect(later).toEqual([{ t: null }]);
    // Unchanged, it goes on.
    expect(await migrateServiceSchema(schemaOf(FIRST, next), settings)).toEqual([
      'Probe1700000000001',
    ]);
  });

  it('runs migrations without the session limits of requests', async () => {
    const settings = freshDatabase({ PGSTATEMENT_TIMEOUT_MS: '100', PGLOCK_TIMEOUT_MS: '100' });
    const slow = migration('Probe1700000000000', ['SELECT pg_sleep(0.5)']);
    expect(await migrateServiceSchema({ ...schemaOf(slow), appendOnly: [] }, settings)).toEqual([
      'Probe1700000000000',
    ]);
  });

  it('will not run a service as a superuser, nor set a superuser’s password', async () => {
    const settings = freshDatabase({ PROBE_DB_USER: 'postgres' });
    await expect(migrateServiceSchema(schemaOf(FIRST), settings)).rejects.toThrow(
      /role postgres is a superuser/,
    );
  });
});
