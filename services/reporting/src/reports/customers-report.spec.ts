import type { DataSource, EntityManager } from 'typeorm';
import { nextMatchIds } from './customers-report';

/**
 * The customers report's page of match ids is read with sorting switched off in its own
 * transaction: planned from report_matches' statistics of some other moment, it was a bitmap
 * scan and a sort of every match after the cursor, each page (docs/benchmarks.md, "Customers
 * report, whole"). The plan itself is measured by bench/report-customers.ts; this checks that
 * the setting is made, and made for the page's statement alone.
 */
describe('nextMatchIds', () => {
  function recordingDataSource() {
    const statements: { inTransaction: boolean; sql: string; params?: unknown[] }[] = [];
    const manager = {
      query: (sql: string, params?: unknown[]) => {
        statements.push({ inTransaction: true, sql, params });
        return Promise.resolve(
          sql.startsWith('SELECT') ? [{ customer_id: 'b' }, { customer_id: 'c' }] : [],
        );
      },
    } as unknown as EntityManager;
    const dataSource = {
      transaction: <T>(work: (m: EntityManager) => Promise<T>) => work(manager),
      query: (sql: string, params?: unknown[]) => {
        statements.push({ inTransaction: false, sql, params });
        return Promise.resolve([]);
      },
    } as unknown as DataSource;
    return { dataSource, statements };
  }

  it('reads the page in a transaction that switches sorting off first', async () => {
    const { dataSource, statements } = recordingDataSource();
    const ids = await nextMatchIds(dataSource, { tenantId: 't', id: 'r' }, 'a', 1000);
    expect(ids).toEqual(['b', 'c']);
    expect(
      statements.map((s) => [s.inTransaction, s.sql.split(/\s+/).slice(0, 2).join(' ')]),
    ).toEqual([
      [true, 'SET LOCAL'],
      [true, 'SELECT customer_id'],
    ]);
    expect(statements[0].sql).toBe('SET LOCAL enable_sort = off');
    expect(statements[1].params).toEqual(['t', 'r', 'a', 1000]);
  });
});
