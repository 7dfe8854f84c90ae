import type { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@kanta/messaging';

export class Messaging1764400000000 implements MigrationInterface {
  name = 'Messaging1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('vehicles')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesDown('vehicles')) await queryRunner.query(sql);
  }
}
