import type { MigrationInterface, QueryRunner } from 'typeorm';
import { inboxByTenantDown, inboxByTenantUp } from '@kanta/messaging';

/* The inbox keyed by (event id, consumer, tenant); the rows recorded before stand for every tenant. */
export class InboxByTenant1766200000000 implements MigrationInterface {
  name = 'InboxByTenant1766200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of inboxByTenantUp('customers')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of inboxByTenantDown('customers')) await queryRunner.query(sql);
  }
}
