import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Visits and sales are listed by time and paged with a cursor that carries the time to the
 * millisecond; a time stored finer (a partner's seven-digit fraction) made a page skip or repeat
 * a row. Times are now stored to the millisecond; those already stored finer are cut here.
 */
export class MillisecondTimes1765000900000 implements MigrationInterface {
  name = 'MillisecondTimes1765000900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE vehicles.visits SET scheduled_at = date_trunc('milliseconds', scheduled_at)
        WHERE scheduled_at <> date_trunc('milliseconds', scheduled_at)`,
    );
    await queryRunner.query(
      `UPDATE vehicles.sales SET sold_at = date_trunc('milliseconds', sold_at)
        WHERE sold_at <> date_trunc('milliseconds', sold_at)`,
    );
  }

  async down(): Promise<void> {
    // The finer fractions are gone; nothing to restore.
  }
}
