import type { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@kanta/messaging';

export class Messaging1763900000000 implements MigrationInterface {
  name = 'Messaging1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('gateway')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesDown('gateway')) await queryRunner.query(sql);
  }
}
