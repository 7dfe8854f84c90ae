import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * When the gateway announced a station (`gateway.station.created.v1`) to the services that check
 * partner events from the broker. A station is announced in the transaction that creates it;
 * stations of before this column are announced by the gateway at its next start.
 */
export class StationAnnouncements1765000000000 implements MigrationInterface {
  name = 'StationAnnouncements1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE gateway.stations ADD COLUMN announced_at timestamptz');
    await queryRunner.query(
      `CREATE INDEX stations_unannounced_idx ON gateway.stations (id) WHERE announced_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE gateway.stations DROP COLUMN announced_at');
  }
}
