import { REPORT_BATCH, ReportStopped, writeInPages } from './report-definition';

/** Rows 0 … total-1 in keyset pages; `log` says in which order the steps ran. */
function pagesOf(total: number, log: string[]) {
  return async (after: number | null, limit: number): Promise<number[]> => {
    const first = after === null ? 0 : after + 1;
    log.push(`read ${first}`);
    await new Promise((resolve) => setImmediate(resolve));
    return Array.from({ length: Math.max(0, Math.min(limit, total - first)) }, (_, i) => first + i);
  };
}

const customersOf = (batch: number[]) => batch.map(String);

describe('writeInPages', () => {
  it('reads the next page while a batch is written, and records each batch in order', async () => {
    const log: string[] = [];
    const rows = await writeInPages(
      pagesOf(2 * REPORT_BATCH + 5, log),
      (row) => row,
      customersOf,
      async (row) => {
        if (row % REPORT_BATCH === 0) log.push(`write ${row}`);
        await Promise.resolve();
      },
      0,
      async (written, customerIds) => {
        log.push(`recorded ${written} (${customerIds.length})`);
        await new Promise((resolve) => setImmediate(resolve));
        return true;
      },
    );
    expect(rows).toBe(2 * REPORT_BATCH + 5);
    // The second page was asked before the first batch was written, and so on.
    expect(log).toEqual([
      'read 0',
      `read ${REPORT_BATCH}`,
      'write 0',
      `recorded ${REPORT_BATCH} (${REPORT_BATCH})`,
      `read ${2 * REPORT_BATCH}`,
      `write ${REPORT_BATCH}`,
      `recorded ${2 * REPORT_BATCH} (${REPORT_BATCH})`,
      `write ${2 * REPORT_BATCH}`,
      `recorded ${2 * REPORT_BATCH + 5} (5)`,
    ]);
  });

  it('stops at the next batch when a batch recorded says stop, and when the last one does', async () => {
    const log: string[] = [];
    await expect(
      writeInPages(
        pagesOf(5 * REPORT_BATCH, log),
        (row) => row,
        customersOf,
        () => Promise.resolve(),
        0,
        async (written) => written < 2 * REPORT_BATCH,
      ),
    ).rejects.toBeInstanceOf(ReportStopped);
    // Batch 2 said stop; batch 3 was written (to the unfinished file) before that was known.
    expect(log).toEqual([
      'read 0',
      `read ${REPORT_BATCH}`,
      `read ${2 * REPORT_BATCH}`,
      `read ${3 * REPORT_BATCH}`,
    ]);

    await expect(
      writeInPages(
        pagesOf(5, []),
        (row) => row,
        customersOf,
        () => Promise.resolve(),
        0,
        async () => false,
      ),
    ).rejects.toBeInstanceOf(ReportStopped);
  });

  it('fails with the write, without an unhandled rejection of the read in flight', async () => {
    let reads = 0;
    await expect(
      writeInPages(
        async () => {
          if (reads++ > 0) throw new Error('connection lost');
          return Array.from({ length: REPORT_BATCH }, (_, i) => i);
        },
        (row) => row,
        customersOf,
        () => Promise.reject(new Error('disk full')),
        0,
        async () => true,
      ),
    ).rejects.toThrow('disk full');
  });

  it('fails only once the batch recorded in flight has ended', async () => {
    let recording = false;
    const failure = writeInPages(
      pagesOf(3 * REPORT_BATCH, []),
      (row) => row,
      customersOf,
      async (row) => {
        if (row === REPORT_BATCH) throw new Error('disk full');
      },
      0,
      async () => {
        recording = true;
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        recording = false;
        return true;
      },
    );
    await expect(
      failure.catch((error: Error) => (recording ? 'too soon' : error.message)),
    ).resolves.toBe('disk full');
  });
});
