import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The outbox's envelopes compressed with lz4 instead of pglz. The access audit's flushes are
 * outbox rows of about 1.2 kB an access (25 customer ids a search): 125 kB for a flush of 100,
 * written, read back by the relay and deleted within a second. pglz spent about 5 ms of the
 * database's CPU on each such row, lz4 about half, on the two cores the searches share. Where
 * the server is built without lz4 the envelope is stored uncompressed instead (as cheap to
 * write; more bytes for a row that lives a moment). Rows already there keep their compression.
 */
export class OutboxEnvelopeLz41767700000000 implements MigrationInterface {
  name = 'OutboxEnvelopeLz41767700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DO $$
       BEGIN
         IF EXISTS (SELECT 1 FROM pg_settings
                     WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
           ALTER TABLE gateway.outbox ALTER COLUMN envelope SET COMPRESSION lz4;
         ELSE
           ALTER TABLE gateway.outbox ALTER COLUMN envelope SET STORAGE EXTERNAL;
         END IF;
       END $$`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE gateway.outbox ALTER COLUMN envelope SET COMPRESSION DEFAULT,
                                  ALTER COLUMN envelope SET STORAGE EXTENDED`,
    );
  }
}
