import type { MigrationInterface, QueryRunner } from 'typeorm';
import { knownStationsByStationDown, knownStationsByStationUp } from '@kanta/messaging';

/*
 * The station check joins the projection on the station alone (a station of another tenant is
 * refused at once): keyed by the station, with an index for a tenant's stations.
 */
export class KnownStationsByStation1765200000000 implements MigrationInterface {
  name = 'KnownStationsByStation1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of knownStationsByStationUp('vehicles')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of knownStationsByStationDown('vehicles')) await queryRunner.query(sql);
  }
}
