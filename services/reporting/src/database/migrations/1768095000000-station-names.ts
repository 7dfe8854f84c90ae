import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The tenants' station names from the gateway's announcements (gateway.station.named.v1), so
 * reports print a station by its name. `version` is the announcement's: the newest name wins
 * whatever order they arrive in. A station never named here is printed by its id.
 */
const UP = [
  `CREATE TABLE reporting.stations (
     tenant_id uuid NOT NULL,
     station_id uuid NOT NULL,
     name text NOT NULL,
     version integer NOT NULL,
     PRIMARY KEY (tenant_id, station_id)
   )`,
];

const DOWN = ['DROP TABLE reporting.stations'];

export class StationNames1768095000000 implements MigrationInterface {
  name = 'StationNames1768095000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
