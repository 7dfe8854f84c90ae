import type { MigrationInterface, QueryRunner } from 'typeorm';
import { knownStationsTableDown, knownStationsTableUp } from '@kanta/messaging';

/*
 * The tenants' stations as the gateway announces them, so a partner event from the broker that
 * names a station of no tenant of its own is refused here, as the gateway refuses it over HTTP.
 */
export class KnownStations1765000200000 implements MigrationInterface {
  name = 'KnownStations1765000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of knownStationsTableUp('vehicles')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of knownStationsTableDown('vehicles')) await queryRunner.query(sql);
  }
}
