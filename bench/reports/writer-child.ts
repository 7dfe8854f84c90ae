/*
 * One writer of bench/report-writers.ts in a process of its own: writes the rows to a file and
 * prints its time and peak RSS as JSON. Arguments: writer, rows, file, and for the customers
 * report's shape the rows of its first sheet (bench/report-customers.ts).
 */
import { statSync } from 'node:fs';
import { WRITERS, type ChildResult, type WriterName } from './report-rows';

/** In the child: one writer, one file; prints its time and peak RSS as JSON. */
async function child(
  writer: WriterName,
  rows: number,
  file: string,
  visited: number,
): Promise<void> {
  const started = process.hrtime.bigint();
  await WRITERS[writer](file, rows, visited);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: ChildResult = {
    seconds,
    // getrusage's ru_maxrss, in kilobytes on Linux.
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    bytes: statSync(file).size,
  };
  console.log(JSON.stringify(result));
}

child(
  process.argv[2] as WriterName,
  Number(process.argv[3]),
  process.argv[4],
  Number(process.argv[5] ?? 0),
).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
