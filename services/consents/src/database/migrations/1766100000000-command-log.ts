import type { MigrationInterface, QueryRunner } from 'typeorm';
import { commandLogTableV1Down, commandLogTableV1Up } from '@kanta/messaging';

/*
 * The command log: every write command's id, recorded with its effect, so a redelivered command
 * answers what it did instead of running again (CommandLog in libs/messaging).
 */
export class CommandLog1766100000000 implements MigrationInterface {
  name = 'CommandLog1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of commandLogTableV1Up('consents')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of commandLogTableV1Down('consents')) await queryRunner.query(sql);
  }
}
