import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A tenant's customer-number sequence is created on its first customer, by the service while it
 * runs. The service's own role may not create anything (it has no CREATE on the schema), so the
 * function that creates the sequence runs as its owner, the schema's owner, with a search path
 * nobody else can put objects in; the role may then draw numbers from the sequence (the owner's
 * default privileges grant it USAGE on every sequence the owner creates).
 */
export class CustomerNumberSequencesAsOwner1766000000000 implements MigrationInterface {
  name = 'CustomerNumberSequencesAsOwner1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER FUNCTION customers.customer_number_sequence(uuid)
         SECURITY DEFINER SET search_path = pg_catalog, pg_temp`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER FUNCTION customers.customer_number_sequence(uuid) SECURITY INVOKER RESET search_path`,
    );
  }
}
