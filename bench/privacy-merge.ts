/*
 * Merge of two customers with a long history each (issue #14): BENCH_MERGE_PAIRS pairs (10),
 * each customer with BENCH_MERGE_HISTORY visits and as many sales (200 each), made through the
 * API; then each pair is merged, timed from the POST to the merge complete (every service moved
 * its part), polling the record every 10 ms; then each merge is undone, timed the same way.
 * Prints p50/p95/max of the whole, and of each service's confirmation after the request. No
 * floor: the work is one transaction per service and merge, timed end to end through the saga.
 */
import 'reflect-metadata';
import type { CustomerView, MergeView } from '@kanta/contracts';
import {
  customerWithHistory,
  ms,
  percentiles,
  runBench,
  scratchDatabase,
  startBenchSystem,
  type BenchSystem,
} from './support';

const PAIRS = Number(process.env.BENCH_MERGE_PAIRS ?? 10);
const HISTORY = Number(process.env.BENCH_MERGE_HISTORY ?? 200);

/** Polls the merge until `status`; the record at that moment. */
async function until(bench: BenchSystem, id: string, status: MergeView['status']) {
  for (;;) {
    const merge = await bench.admin.expect<MergeView>(200, 'GET', `/api/v1/privacy/merges/${id}`);
    if (merge.status === status) return merge;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

runBench(async () => {
  const db = await scratchDatabase('merge');
  const bench = await startBenchSystem(db.env);
  try {
    console.log(
      `Making ${PAIRS} pairs of customers with ${HISTORY} visits and ${HISTORY} sales each…`,
    );
    const pairs: [CustomerView, CustomerView][] = [];
    for (let p = 0; p < PAIRS; p++) {
      pairs.push([
        await customerWithHistory(bench, `Säilyvä${p}`, 2 * p, HISTORY),
        await customerWithHistory(bench, `Kaksoiskappale${p}`, 2 * p + 1, HISTORY),
      ]);
    }
    await db.analyze();

    const merged: { total: number[]; byService: Map<string, number[]> } = {
      total: [],
      byService: new Map(),
    };
    const undone: typeof merged = { total: [], byService: new Map() };
    const ids: string[] = [];
    console.log('Merging each pair, one after another…');
    for (const [survivor, duplicate] of pairs) {
      const started = Date.now();
      const merge = await bench.admin.expect<MergeView>(
        202,
        'POST',
        `/api/v1/customers/${survivor.id}/merge`,
        { duplicateId: duplicate.id },
      );
      const done = await until(bench, merge.id, 'completed');
      merged.total.push(Date.now() - started);
      ids.push(merge.id);
      for (const c of done.confirmations) {
        const after = Date.parse(c.completedAt as string) - Date.parse(done.requestedAt);
        merged.byService.set(c.service, [...(merged.byService.get(c.service) ?? []), after]);
        if (c.service === 'vehicles' && c.counts.visits !== HISTORY) {
          throw new Error(`vehicles moved ${JSON.stringify(c.counts)}, not ${HISTORY} visits`);
        }
      }
    }
    console.log('Undoing each merge, one after another…');
    for (const id of ids) {
      const started = Date.now();
      await bench.admin.expect<MergeView>(202, 'POST', `/api/v1/privacy/merges/${id}/undo`);
      const done = await until(bench, id, 'undone');
      undone.total.push(Date.now() - started);
      for (const c of done.undo?.confirmations ?? []) {
        const after = Date.parse(c.completedAt as string) - Date.parse(done.undo!.requestedAt);
        undone.byService.set(c.service, [...(undone.byService.get(c.service) ?? []), after]);
      }
    }

    const line = (values: number[]): string => {
      const p = percentiles(values);
      return `${ms(p.p50)} / ${ms(p.p95)} / ${ms(Math.max(...values))}`;
    };
    for (const [title, run] of [
      ['Merge', merged],
      ['Undo of the merge', undone],
    ] as const) {
      console.log(
        `\n== ${title} of two customers with ${HISTORY} visits and ${HISTORY} sales each (${PAIRS} pairs)`,
      );
      console.log(`                                      p50 / p95 / max`);
      console.log(`  POST → every service confirmed   ${line(run.total)}`);
      for (const [service, values] of [...run.byService.entries()].sort()) {
        console.log(`  ${`${service} confirmed (its time)`.padEnd(32)} ${line(values)}`);
      }
    }
  } finally {
    await bench.system.stop();
    await db.drop();
  }
});
