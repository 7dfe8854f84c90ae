import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Every access token carries the version of its user's credentials at issue; changing the
 * password bumps it, and the auth guard refuses tokens of an older version, so a password change
 * ends the sessions opened before it instead of leaving them up to JWT_EXPIRES_IN_SECONDS.
 */
export class UserTokenVersion1766300000000 implements MigrationInterface {
  name = 'UserTokenVersion1766300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE gateway.users ADD COLUMN token_version integer NOT NULL DEFAULT 0',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE gateway.users DROP COLUMN token_version');
  }
}
