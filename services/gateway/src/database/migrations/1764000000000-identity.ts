import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants, stations and users. The user–station link repeats the tenant id and points at both
 * sides through (tenant_id, id), so a user can never be linked to another tenant's station.
 */
export class Identity1764000000000 implements MigrationInterface {
  name = 'Identity1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE gateway.tenants (
        id uuid PRIMARY KEY,
        slug text NOT NULL CONSTRAINT tenants_slug_key UNIQUE
          CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        locale text NOT NULL CHECK (locale IN ('fi', 'pl', 'fr', 'uk', 'en')),
        country char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE gateway.stations (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES gateway.tenants (id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stations_tenant_id_key UNIQUE (tenant_id, id),
        CONSTRAINT stations_tenant_name_key UNIQUE (tenant_id, name)
      )`);
    await queryRunner.query(`
      CREATE TABLE gateway.users (
        id uuid PRIMARY KEY,
        email text NOT NULL CONSTRAINT users_email_key UNIQUE CHECK (email = lower(email)),
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('superadmin', 'admin', 'worker')),
        tenant_id uuid REFERENCES gateway.tenants (id),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_tenant_id_key UNIQUE (tenant_id, id),
        -- Only a superadmin stands outside every tenant.
        CONSTRAINT users_tenant_by_role CHECK ((role = 'superadmin') = (tenant_id IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX users_tenant_idx ON gateway.users (tenant_id, email)`);
    await queryRunner.query(`
      CREATE TABLE gateway.user_stations (
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        station_id uuid NOT NULL,
        PRIMARY KEY (user_id, station_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES gateway.users (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, station_id) REFERENCES gateway.stations (tenant_id, id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX user_stations_station_idx ON gateway.user_stations (tenant_id, station_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE gateway.user_stations');
    await queryRunner.query('DROP TABLE gateway.users');
    await queryRunner.query('DROP TABLE gateway.stations');
    await queryRunner.query('DROP TABLE gateway.tenants');
  }
}
