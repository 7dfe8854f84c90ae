import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * An erased customer's visits and sales keep their business facts but no free text about the
 * person (issue #14). The eraser clears what is there; these triggers keep it cleared whatever
 * writes the row later: a contact answer the customers service sent before the erasure and that
 * arrives after it (it attaches the customer to a partner booking's visit, notes and all), a
 * partner's booking sent again under a new event id, a late cancel with its reason. One rule for
 * every writer, rather than a check in each partner handler's batch statement. The WHEN clause
 * keeps the lookup to rows that have a customer and some text.
 */
const UP = [
  `CREATE FUNCTION vehicles.erased_customer_visit_text() RETURNS trigger
     LANGUAGE plpgsql AS $$
   BEGIN
     IF EXISTS (SELECT 1 FROM vehicles.known_customers k
                 WHERE k.tenant_id = NEW.tenant_id AND k.customer_id = NEW.customer_id
                   AND k.status = 'erased') THEN
       NEW.notes := NULL;
       NEW.special_requests := NULL;
       NEW.cancel_reason := NULL;
       NEW.partner_link := NULL;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER visits_erased_customer_text BEFORE INSERT OR UPDATE ON vehicles.visits
     FOR EACH ROW WHEN (NEW.customer_id IS NOT NULL AND (NEW.notes IS NOT NULL
       OR NEW.special_requests IS NOT NULL OR NEW.cancel_reason IS NOT NULL
       OR NEW.partner_link IS NOT NULL))
     EXECUTE FUNCTION vehicles.erased_customer_visit_text()`,
  `CREATE FUNCTION vehicles.erased_customer_sale_text() RETURNS trigger
     LANGUAGE plpgsql AS $$
   BEGIN
     IF EXISTS (SELECT 1 FROM vehicles.known_customers k
                 WHERE k.tenant_id = NEW.tenant_id AND k.customer_id = NEW.customer_id
                   AND k.status = 'erased') THEN
       NEW.receipt_url := NULL;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER sales_erased_customer_text BEFORE INSERT OR UPDATE ON vehicles.sales
     FOR EACH ROW WHEN (NEW.customer_id IS NOT NULL AND NEW.receipt_url IS NOT NULL)
     EXECUTE FUNCTION vehicles.erased_customer_sale_text()`,
];

const DOWN = [
  'DROP TRIGGER sales_erased_customer_text ON vehicles.sales',
  'DROP FUNCTION vehicles.erased_customer_sale_text()',
  'DROP TRIGGER visits_erased_customer_text ON vehicles.visits',
  'DROP FUNCTION vehicles.erased_customer_visit_text()',
];

export class ErasedCustomersText1767000000000 implements MigrationInterface {
  name = 'ErasedCustomersText1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
