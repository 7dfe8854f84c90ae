import type { MigrationInterface, QueryRunner } from 'typeorm';
import { knownCustomersMergedIntoDown, knownCustomersMergedIntoUp } from '@kanta/messaging';

/* A merged duplicate's pointer to its survivor (issue #14): see KnownCustomers.markMerged. */
export class KnownCustomersMerged1767100000000 implements MigrationInterface {
  name = 'KnownCustomersMerged1767100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of knownCustomersMergedIntoUp('privacy')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of knownCustomersMergedIntoDown('privacy')) await queryRunner.query(sql);
  }
}
