import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Merges (issue #14): who merged which two customers when, the card fields that conflicted
 * (names, never values), and each participant's confirmation of the merge and of its undo, like
 * an erasure's. Ids, times, field names and counts only: a merge record holds no personal data.
 */
const UP = [
  `CREATE TABLE privacy.merges (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     survivor_id uuid NOT NULL,
     duplicate_id uuid NOT NULL,
     requested_by uuid NOT NULL,
     correlation_id text,
     requested_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     completed_at timestamptz,
     conflicts text[] NOT NULL DEFAULT '{}',
     undo_requested_by uuid,
     undo_requested_at timestamptz,
     undone_at timestamptz,
     PRIMARY KEY (tenant_id, id),
     CHECK (survivor_id <> duplicate_id)
   )`,
  // The merges a customer is part of: as the survivor (an erasure's merged customers, a merge in
  // progress) and as the duplicate.
  'CREATE INDEX merges_survivor_idx ON privacy.merges (tenant_id, survivor_id)',
  'CREATE INDEX merges_duplicate_idx ON privacy.merges (tenant_id, duplicate_id)',
  `CREATE TABLE privacy.merge_confirmations (
     tenant_id uuid NOT NULL,
     merge_id uuid NOT NULL,
     phase text NOT NULL,
     participant text NOT NULL,
     completed_at timestamptz,
     counts jsonb NOT NULL DEFAULT '{}',
     asked_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     PRIMARY KEY (tenant_id, merge_id, phase, participant),
     FOREIGN KEY (tenant_id, merge_id) REFERENCES privacy.merges (tenant_id, id),
     CHECK (phase IN ('merge', 'undo'))
   )`,
];

const DOWN = ['DROP TABLE privacy.merge_confirmations', 'DROP TABLE privacy.merges'];

export class Merges1767500000000 implements MigrationInterface {
  name = 'Merges1767500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
