import type { MigrationInterface, QueryRunner } from 'typeorm';
import { commandLogTableV1Down, commandLogTableV1Up } from '@kanta/messaging';

/*
 * The command log: every write command's id, recorded with its effect, so a redelivered command
 * answers what it did instead of running again (CommandLog in libs/messaging). It takes over
 * the Idempotency-Keys of creates, which were its first case: kept as commands without a
 * fingerprint (any request of the same operation replays them), answered by the record they made.
 */
export class CommandLog1766100000000 implements MigrationInterface {
  name = 'CommandLog1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of commandLogTableV1Up('customers')) await queryRunner.query(sql);
    await queryRunner.query(
      `INSERT INTO customers.commands
         (tenant_id, command_id, pattern, fingerprint, from_client, deadline, result_id, created_at)
       SELECT tenant_id, key, 'customers.customer.create', NULL, true, NULL, customer_id, created_at
         FROM customers.idempotency_keys`,
    );
    await queryRunner.query('DROP TABLE customers.idempotency_keys');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE customers.idempotency_keys (
         tenant_id uuid NOT NULL,
         key text NOT NULL,
         fingerprint text NOT NULL,
         customer_id uuid NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (tenant_id, key)
       )`,
    );
    await queryRunner.query(
      'CREATE INDEX idempotency_keys_created_idx ON customers.idempotency_keys (tenant_id, created_at)',
    );
    await queryRunner.query(
      `INSERT INTO customers.idempotency_keys (tenant_id, key, fingerprint, customer_id, created_at)
       SELECT tenant_id, command_id, coalesce(fingerprint, ''), result_id, created_at
         FROM customers.commands
        WHERE from_client AND pattern = 'customers.customer.create'`,
    );
    for (const sql of commandLogTableV1Down('customers')) await queryRunner.query(sql);
  }
}
