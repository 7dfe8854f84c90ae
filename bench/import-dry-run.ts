/*
 * The dry run of an import (issue #16, "Performance": a 1,000,000-row CSV — name, phone, e-mail,
 * address, notes; 30 % with a vehicle — planned at ≥ 100,000 rows/s, peak RSS ≤ 256 MB).
 * BENCH_IMPORT_ROWS rows (default 1,000,000) are written to a CSV, uploaded in 1 MiB chunks and
 * planned by the customers module in this process (its job through BullMQ, the real reader,
 * checks and matcher) against a tenant holding BENCH_IMPORT_EXISTING customers (default 10,000,
 * 1 % of the rows repeat one of their phones). Prints rows/s of the dry run (upload excluded), the
 * outcomes, and the process's peak RSS (upload and dry run together); the CPU per row of this
 * process and of the database's backends; and the raw floor of the writes (the same rows copied
 * inside the database into import_rows, same indexes).
 */
import 'reflect-metadata';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { Client } from 'pg';
import { uuidv7 } from '@kanta/platform';
import { deleteRedisKeys } from '@kanta/testing';
import { Imports } from '../services/customers/src/imports/imports.service';
import { startImportBenchApp } from './imports/customers-app';
import { runBench, scratchDatabase } from './support';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const EXISTING = Number(process.env.BENCH_IMPORT_EXISTING ?? 10_000);
const CHUNK = 1024 * 1024;

/**
 * CPU seconds of this database's PostgreSQL backends (utime + stime of /proc/<pid>/stat, in
 * clock ticks of 1/100 s), by pid: the server runs on this machine. On a machine shared with
 * other work, CPU time says what the dry run costs where wall time only bounds it.
 */
async function backendCpu(dataSource: {
  query(sql: string): Promise<{ pid: number }[]>;
}): Promise<Map<number, number>> {
  const pids = await dataSource.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  );
  const out = new Map<number, number>();
  for (const { pid } of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // Not on this machine, or gone.
    }
  }
  return out;
}

const phoneOf = (n: number): string => `+35840${String(1_000_000 + n)}`;

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  const header =
    'Etunimi;Sukunimi;Puhelin;Sähköposti;Katuosoite;Postinumero;Postitoimipaikka;Lisätiedot;' +
    'Rekisterinumero;Merkki;Malli\n';
  let text = header;
  for (let i = 1; i <= ROWS; i++) {
    // 1 % repeat an existing customer's phone (planned as duplicates).
    const phone = i % 100 === 0 ? phoneOf(i % EXISTING) : phoneOf(EXISTING + i);
    const vehicle = i % 10 < 3 ? `ABC-${i % 1000};Skoda;Octavia` : ';;';
    text +=
      `Etu${i};Suku${i};${phone};h${i}@example.test;Katu ${i % 500};` +
      `${String(100 + (i % 900)).padStart(5, '0')};Helsinki;Tuotu rivi ${i};${vehicle}\n`;
    if (text.length > 256 * 1024) {
      if (!out.write(text))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      text = '';
    }
  }
  out.end(text);
  await finished(out);
}

runBench(async () => {
  const db = await scratchDatabase('import_dry_run');
  const dir = mkdtempSync(join(tmpdir(), 'kanta-bench-dry-run-'));
  const {
    app,
    jobsPrefix,
    admin: caller,
  } = await startImportBenchApp('import-dry-run', db.settings, {
    importsDir: join(dir, 'imports'),
    importMaxBytes: 2 * 1024 * 1024 * 1024,
  });
  try {
    await app.init();
    const tenantId = caller.tenant!.id;
    const { DataSource } = await import('typeorm');
    const dataSource = app.get(DataSource);
    await dataSource.query(
      `INSERT INTO customers.customers
         (tenant_id, id, first_name, last_name, phone, customer_number, origin)
       SELECT $1, gen_random_uuid(), 'Vanha', 'Asiakas' || n, '+35840' || (1000000 + n), 'OLD-' || n,
              'reception'
         FROM generate_series(0, $2 - 1) n`,
      [tenantId, EXISTING],
    );
    // As on a running system, whose customers are older than the import: the GIN indexes'
    // pending lists merged (each lookup of a fresh one reads all of it) and statistics taken.
    // As the administrator: the runtime role may not VACUUM (PostgreSQL skips it with a warning).
    const admin = new Client(db.settings);
    await admin.connect();
    await admin.query('VACUUM ANALYZE customers.customers');
    await admin.end();
    await db.analyze();

    const csv = join(dir, 'register.csv');
    await writeCsv(csv);
    const imports = app.get(Imports);
    const uploadId = uuidv7();
    const file = await open(csv, 'r');
    let size = 0;
    try {
      const buffer = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, CHUNK, size);
        if (bytesRead === 0 && size > 0) break;
        await imports.uploadChunk(caller, {
          uploadId,
          fileName: 'register.csv',
          offset: size,
          chunkBase64: buffer.subarray(0, bytesRead).toString('base64'),
        });
        size += bytesRead;
        if (bytesRead < CHUNK) break;
      }
    } finally {
      await file.close();
    }

    // The RSS of the process before the dry run (Nest, its clients, the upload done): what the
    // dry run's own memory is judged against.
    const rssBeforeDryRun = process.memoryUsage().rss / 1024 / 1024;
    const pgBefore = await backendCpu(dataSource);
    const cpuBefore = process.cpuUsage();
    const loadBefore = loadavg()[0];
    const started = process.hrtime.bigint();
    await imports.start(caller, { uploadId, sizeBytes: size, options: {} });
    let view;
    for (;;) {
      view = await imports.get(caller, uploadId);
      if (view.status !== 'planning') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rss = process.resourceUsage().maxRSS / 1024;
    const cpu = process.cpuUsage(cpuBefore);
    const nodeCpu = (cpu.user + cpu.system) / 1e6;
    let pgCpu = 0;
    for (const [pid, after] of await backendCpu(dataSource)) {
      pgCpu += after - (pgBefore.get(pid) ?? 0);
    }
    const loadAfter = loadavg()[0];
    const dryRun = {
      bench: 'import-dry-run',
      rows: ROWS,
      existingCustomers: EXISTING,
      fileMiB: +(size / CHUNK).toFixed(1),
      status: view.status,
      seconds: +seconds.toFixed(1),
      rowsPerSecond: Math.round(ROWS / seconds),
      counts: view.counts,
      peakRssMiB: Math.round(rss),
      rssBeforeDryRunMiB: Math.round(rssBeforeDryRun),
      // CPU per row: this process (reader, checks, matcher's JS side, polling) and the
      // database's backends (matcher, writes); load average of the machine at start and end.
      nodeCpuMicrosPerRow: Math.round((nodeCpu * 1e6) / ROWS),
      postgresCpuMicrosPerRow: Math.round((pgCpu * 1e6) / ROWS),
      loadAverage: [+loadBefore.toFixed(1), +loadAfter.toFixed(1)],
    };
    console.log(JSON.stringify(dryRun, null, 2));

    // The raw floor of the writes: the same rows copied inside the database into the same table,
    // with the same indexes, for another import (one statement, nothing parsed or checked).
    const floorId = uuidv7();
    await dataSource.query(
      `INSERT INTO customers.imports (tenant_id, id, file_name) VALUES ($1, $2, 'floor.csv')`,
      [tenantId, floorId],
    );
    const floorRunner = dataSource.createQueryRunner();
    await floorRunner.connect();
    const [{ pid }] = (await floorRunner.query('SELECT pg_backend_pid() AS pid')) as {
      pid: number;
    }[];
    const ticks = async (): Promise<number> => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    };
    const floorCpuBefore = await ticks();
    const floorStarted = process.hrtime.bigint();
    // In slices of 50,000 rows: one statement for a million would meet the statement timeout.
    for (let from = 2; from <= ROWS + 1; from += 50_000) {
      await floorRunner.query(
        `INSERT INTO customers.import_rows
           (tenant_id, import_id, row_number, outcome, customer_id, duplicate_reason, first_row,
            errors, planned, raw)
         SELECT tenant_id, $2, row_number, outcome, customer_id, duplicate_reason, first_row,
                errors, planned, raw
           FROM customers.import_rows
          WHERE tenant_id = $1 AND import_id = $3 AND row_number >= $4 AND row_number < $4 + 50000`,
        [tenantId, floorId, uploadId, from],
      );
    }
    const floorSeconds = Number(process.hrtime.bigint() - floorStarted) / 1e9;
    const floorCpu = (await ticks()) - floorCpuBefore;
    await floorRunner.release();
    console.log(
      JSON.stringify({
        writeFloor: {
          rowsPerSecond: Math.round(ROWS / floorSeconds),
          postgresCpuMicrosPerRow: Math.round((floorCpu * 1e6) / ROWS),
        },
      }),
    );
  } finally {
    await app.close();
    await deleteRedisKeys(`${jobsPrefix}:`);
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
