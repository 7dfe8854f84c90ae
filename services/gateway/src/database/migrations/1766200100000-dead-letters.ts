import type { MigrationInterface, QueryRunner } from 'typeorm';
import { deadLettersDown, deadLettersUp } from '@kanta/messaging';

/* Dead letters kept in the schema, and the outbox columns that park a row it cannot publish. */
export class DeadLetters1766200100000 implements MigrationInterface {
  name = 'DeadLetters1766200100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of deadLettersUp('gateway')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of deadLettersDown('gateway')) await queryRunner.query(sql);
  }
}
