import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Stations are announced again, every one, at each gateway start (StationAnnouncer), under an
 * event id of their own: when one was announced is no longer kept.
 */
export class StationAnnouncedAtDropped1765200000000 implements MigrationInterface {
  name = 'StationAnnouncedAtDropped1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX gateway.stations_unannounced_idx');
    await queryRunner.query('ALTER TABLE gateway.stations DROP COLUMN announced_at');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE gateway.stations ADD COLUMN announced_at timestamptz');
    await queryRunner.query(
      'CREATE INDEX stations_unannounced_idx ON gateway.stations (id) WHERE announced_at IS NULL',
    );
  }
}
