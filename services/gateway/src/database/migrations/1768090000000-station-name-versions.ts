import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A station's name is announced (gateway.station.named.v1) so the reporting service prints
 * stations by name: `name_version` grows with each rename, and a consumer keeps the highest,
 * whatever order the announcements arrive in. Every station is announced again at each start
 * under its current version, so the stations of before this column are named at the next start.
 */
export class StationNameVersions1768090000000 implements MigrationInterface {
  name = 'StationNameVersions1768090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE gateway.stations ADD COLUMN name_version integer NOT NULL DEFAULT 1',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE gateway.stations DROP COLUMN name_version');
  }
}
