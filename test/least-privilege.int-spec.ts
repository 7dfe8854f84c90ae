import { Client } from 'pg';
import type { PostgresSettings } from '@kanta/database';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';
import { SERVICE_SCHEMAS } from './service-schemas';

/*
 * Every service's roles, as the template's migrations left them (the services' own start does
 * the same): each may reach its own schema only, and its runtime role may not change it. Every
 * schema has an outbox, so one table probes them all.
 */
const SERVICES = SERVICE_SCHEMAS.map((s) => s.schema);

describe('each service’s roles on the others’ schemas (real PostgreSQL)', () => {
  let db: TestDatabase;
  const clients = new Map<string, Client>();

  const as = async (role: string, settings: PostgresSettings): Promise<Client> => {
    const client = new Client(settings);
    await client.connect();
    clients.set(role, client);
    return client;
  };

  beforeAll(async () => {
    db = await createTestDatabase('privileges');
    for (const service of SERVICES) {
      await as(`${service} runtime`, db.runtime(service));
      await as(`${service} owner`, db.owner(service));
    }
  });
  afterAll(async () => {
    for (const client of clients.values()) await client.end();
    await db?.drop();
  });

  const client = (service: string, kind: 'runtime' | 'owner'): Client =>
    clients.get(`${service} ${kind}`)!;

  it('lets each service’s roles read and write their own outbox', async () => {
    for (const service of SERVICES) {
      for (const kind of ['runtime', 'owner'] as const) {
        const { rows } = await client(service, kind).query(
          `SELECT current_user AS role, count(*)::int AS n FROM "${service}".outbox`,
        );
        expect(rows).toEqual([{ role: db[kind](service).user, n: 0 }]);
      }
      await client(service, 'runtime').query(
        `UPDATE "${service}".outbox SET attempts = attempts WHERE false`,
      );
    }
  });

  it.each(SERVICES.flatMap((a) => SERVICES.filter((b) => b !== a).map((b) => [a, b])))(
    'refuses the %s roles any access to the %s schema',
    async (service, other) => {
      for (const kind of ['runtime', 'owner'] as const) {
        for (const sql of [
          `SELECT count(*) FROM "${other}".outbox`,
          `DELETE FROM "${other}".outbox`,
          `CREATE TABLE "${other}".intruder (id int)`,
        ]) {
          await expect(client(service, kind).query(sql)).rejects.toThrow(
            new RegExp(`permission denied for schema ${other}`),
          );
        }
      }
    },
  );

  it.each(SERVICES)(
    'lets the %s runtime role change no table of its own schema',
    async (service) => {
      const runtime = client(service, 'runtime');
      for (const [sql, refusal] of [
        [`CREATE TABLE "${service}".extra (id int)`, /permission denied for schema/],
        [`ALTER TABLE "${service}".outbox ADD COLUMN extra int`, /must be owner/],
        [`ALTER TABLE "${service}".outbox DISABLE TRIGGER ALL`, /must be owner/],
        [`DROP TABLE "${service}".outbox`, /must be owner/],
        [`TRUNCATE "${service}".outbox`, /permission denied/],
        [`DELETE FROM "${service}".migrations`, /permission denied/],
      ] as const) {
        await expect(runtime.query(sql)).rejects.toThrow(refusal);
      }
    },
  );
});
