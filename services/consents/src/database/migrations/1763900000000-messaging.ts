import type { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@kanta/messaging';

export class Messaging1763900000000 implements MigrationInterface {
  name = 'Messaging1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('consents')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesDown('consents')) await queryRunner.query(sql);
  }
}
