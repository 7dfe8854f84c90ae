import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Reminders on customers. The row is the truth about a reminder; the BullMQ job that makes it due
 * is only a trigger, and the sweep finds whatever a lost job left behind. `status` is what is
 * stored ('scheduled', 'due', 'done'); the API shows 'upcoming'/'due'/'done' (a scheduled reminder
 * whose time has come shows as due even before its job has run).
 */
export class Reminders1764200000000 implements MigrationInterface {
  name = 'Reminders1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customers.reminders (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        customer_id uuid NOT NULL,
        assignee_user_id uuid NOT NULL,
        due_at timestamptz NOT NULL,
        comment text NOT NULL CHECK (length(comment) BETWEEN 1 AND 1000),
        status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'due', 'done')),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        became_due_at timestamptz,
        done_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT reminders_customer_fkey FOREIGN KEY (tenant_id, customer_id)
          REFERENCES customers.customers (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT reminders_done_at_check CHECK ((status = 'done') = (done_at IS NOT NULL))
      )`);
    // The lists: by assignee, by customer (also what the cascade uses), the whole tenant; each
    // in the API's order (due_at, id), which is also the keyset.
    await queryRunner.query(`
      CREATE INDEX reminders_assignee_idx
        ON customers.reminders (tenant_id, assignee_user_id, due_at, id)`);
    await queryRunner.query(`
      CREATE INDEX reminders_customer_idx
        ON customers.reminders (tenant_id, customer_id, due_at, id)`);
    await queryRunner.query(`
      CREATE INDEX reminders_due_idx ON customers.reminders (tenant_id, due_at, id)`);
    // The sweep looks across tenants for scheduled reminders whose time has come: the one index
    // that does not start with tenant_id, because the sweep is the one reader that is no tenant's.
    await queryRunner.query(`
      CREATE INDEX reminders_sweep_idx ON customers.reminders (due_at)
        WHERE status = 'scheduled'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE customers.reminders');
  }
}
