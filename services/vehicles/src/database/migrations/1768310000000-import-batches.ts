import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Each batch of a customer import's vehicles this service applied (issue #16), with its answer:
 * the same batch asked again under another event id (a replayed dead letter, a republished
 * outbox row) creates nothing twice and is answered as the first time. Counts and refusal codes
 * only, no plate, no customer.
 */
const UP = [
  `CREATE TABLE vehicles.import_batches (
     tenant_id uuid NOT NULL,
     import_id uuid NOT NULL,
     batch integer NOT NULL,
     created integer NOT NULL,
     linked integer NOT NULL,
     refused jsonb NOT NULL,
     done_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, import_id, batch)
   )`,
];

export class ImportBatches1768310000000 implements MigrationInterface {
  name = 'ImportBatches1768310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE vehicles.import_batches');
  }
}
