import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * `Idempotency-Key` of visit creates: the same key with the same request answers the visit it
 * made (a double click at reception, a retried request), with another request a 422.
 */
export class VisitIdempotency1765000300000 implements MigrationInterface {
  name = 'VisitIdempotency1765000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE vehicles.idempotency_keys (
         tenant_id uuid NOT NULL,
         key text NOT NULL,
         fingerprint text NOT NULL,
         visit_id uuid NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (tenant_id, key)
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE vehicles.idempotency_keys');
  }
}
