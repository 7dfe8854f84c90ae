import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * What the marketing-audience and visits-summary reports need beyond the first read model:
 * - each decision's consent text (id and version, from consents.consent.recorded.v1), so the
 *   audience says which texts its consents rest on;
 * - each sale's sums of service and of product lines (vehicles.sale.recorded.v1 carries them
 *   since they were added), so the summary reports them apart. Null for a sale whose event came
 *   without them.
 * The rows already here lack both: every tenant's rebuild is marked not completed, so the next
 * start rebuilds it, and the rebuild's pages fill them in (a page row of the same ledger entry or
 * sale completes what is missing, it overrides nothing else).
 */
const UP = [
  `ALTER TABLE reporting.consents ADD COLUMN text_id uuid, ADD COLUMN text_version integer`,
  `ALTER TABLE reporting.sales ADD COLUMN services_minor bigint, ADD COLUMN products_minor bigint`,
  `UPDATE reporting.rebuild_state SET completed_at = NULL`,
];

const DOWN = [
  'ALTER TABLE reporting.sales DROP COLUMN products_minor, DROP COLUMN services_minor',
  'ALTER TABLE reporting.consents DROP COLUMN text_version, DROP COLUMN text_id',
];

export class AudienceAndSalesSplit1768030000000 implements MigrationInterface {
  name = 'AudienceAndSalesSplit1768030000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
