import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A refusal the consents service announces again (its event replayed from the DLQ) is listed
 * once: the insert looks for the tenant's record of the same event and reason through this.
 */
export class RejectedEventIndex1765000500000 implements MigrationInterface {
  name = 'RejectedEventIndex1765000500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX rejected_partner_events_event_idx
         ON vehicles.rejected_partner_events (tenant_id, event_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX vehicles.rejected_partner_events_event_idx');
  }
}
