import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * API keys of partner systems, one per tenant and partner (several while one is rotated). Only a
 * SHA-256 of the key is stored: the key is 32 random bytes, so a fast hash is as safe as a slow
 * one and lets every request be checked by one index lookup. The prefix identifies a key to
 * people without revealing it.
 */
export class PartnerKeys1764400000000 implements MigrationInterface {
  name = 'PartnerKeys1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE gateway.partner_keys (
        tenant_id uuid NOT NULL REFERENCES gateway.tenants (id),
        id uuid NOT NULL,
        partner text NOT NULL CHECK (partner ~ '^[a-z][a-z0-9-]{1,39}$'),
        label text,
        prefix text NOT NULL,
        key_hash bytea NOT NULL CONSTRAINT partner_keys_hash_key UNIQUE,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE gateway.partner_keys');
  }
}
