/*
 * The exactly-once experiment of issue #13 at full size: for customers, visits and consent
 * decisions, 2,000 writes without an Idempotency-Key, 32 in flight, the owning service killed
 * with SIGKILL half-way and started again at once (BENCH_CRASH_DOWN_MS to leave it down longer),
 * the gateway's RPC timeout as deployed (5 s). Counted afterwards, from the database:
 * - a 201 made exactly one row;
 * - a 504 made none after its deadline (one may have committed before the crash, its answer lost);
 * - each 504 sent again with its retryKey as Idempotency-Key leaves exactly one row.
 * test/e2e/exactly-once.e2e-spec.ts runs the same with 240 writes a kind in `npm test`.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import type { ConsentTextView, CustomerView, ProblemDetails } from '@kanta/contracts';
import type { KantaApi } from '@kanta/local';
import { runBench, scratchDatabase, startBenchSystem, type BenchSystem } from './support';

const WRITES = Number(process.env.BENCH_CRASH_WRITES ?? 2000);
const IN_FLIGHT = 32;
const RPC_TIMEOUT_MS = 5000;
const DOWN_MS = Number(process.env.BENCH_CRASH_DOWN_MS ?? 0);

interface Answer {
  status: number;
  sentAt: number;
  retryKey?: string;
}

interface Kind {
  name: string;
  service: string;
  send(client: KantaApi, i: number, key?: string): Promise<Answer>;
  /** Rows per request marker, with when the first was made. */
  rows: string;
}

async function post(client: KantaApi, path: string, body: unknown, key?: string): Promise<Answer> {
  const sentAt = Date.now();
  const response = await client.request<ProblemDetails>(
    'POST',
    path,
    body,
    key === undefined ? {} : { 'Idempotency-Key': key },
  );
  const retryKey =
    response.status === 504 || response.status === 503 ? response.body.retryKey : undefined;
  return { status: response.status, sentAt, ...(typeof retryKey === 'string' ? { retryKey } : {}) };
}

async function crashDuring(bench: BenchSystem, kind: Kind): Promise<Answer[]> {
  const answers: Answer[] = new Array<Answer>(WRITES);
  let next = 0;
  let crash: Promise<void> | undefined;
  const worker = async (): Promise<void> => {
    while (next < WRITES) {
      const i = next++;
      if (i === WRITES / 2) {
        crash = bench.system.restart(kind.service, { downMs: DOWN_MS, startTimeoutMs: 120_000 });
      }
      answers[i] = await kind.send(bench.admin, i);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await crash;
  await new Promise((resolve) => setTimeout(resolve, RPC_TIMEOUT_MS + 1000));
  return answers;
}

async function rowsOf(
  client: Client,
  kind: Kind,
  tenantId: string,
): Promise<Map<number, { n: number; first: Date }>> {
  const result = await client.query<{ marker: string; n: string; first: Date }>(kind.rows, [
    tenantId,
  ]);
  return new Map(result.rows.map((r) => [Number(r.marker), { n: Number(r.n), first: r.first }]));
}

async function main(): Promise<void> {
  const db = await scratchDatabase('crash');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  try {
    const customer = await bench.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Suostuva',
      lastName: 'Asiakas',
    });
    const text = await bench.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
      purpose: 'marketing_email',
      locale: 'fi',
      body: 'Tarjouksia sähköpostilla.',
    });
    const kinds: Kind[] = [
      {
        name: 'customers',
        service: 'customers',
        send: (api, i, key) =>
          post(
            api,
            '/api/v1/customers?allowDuplicate=true',
            { firstName: 'Kerran', lastName: `Vain${i}` },
            key,
          ),
        rows: `SELECT substr(last_name, 5) AS marker, count(*) AS n, min(created_at) AS first
                 FROM customers.customers WHERE tenant_id = $1 AND first_name = 'Kerran'
                GROUP BY last_name`,
      },
      {
        name: 'visits',
        service: 'vehicles',
        send: (api, i, key) =>
          post(
            api,
            '/api/v1/visits',
            {
              stationId: bench.stationIds[0],
              kind: 'inspection',
              channel: 'phone',
              scheduledAt: '2026-12-10T09:00:00+02:00',
              notes: `burst-${i}`,
            },
            key,
          ),
        rows: `SELECT substr(notes, 7) AS marker, count(*) AS n, min(created_at) AS first
                 FROM vehicles.visits WHERE tenant_id = $1 AND notes LIKE 'burst-%'
                GROUP BY notes`,
      },
      {
        name: 'consent decisions',
        service: 'consents',
        send: (api, i, key) =>
          post(
            api,
            `/api/v1/customers/${customer.id}/consents`,
            {
              decisions: [
                {
                  purpose: 'marketing_email',
                  decision: i % 2 === 0 ? 'granted' : 'withdrawn',
                  textId: text.id,
                  evidence: { note: `burst-${i}` },
                },
              ],
            },
            key,
          ),
        rows: `SELECT substr(evidence->>'note', 7) AS marker, count(*) AS n,
                      min(recorded_at) AS first
                 FROM consents.ledger WHERE tenant_id = $1 AND evidence->>'note' LIKE 'burst-%'
                GROUP BY evidence->>'note'`,
      },
    ];
    console.log(
      `\n== Writes under a crash: ${WRITES} a kind, ${IN_FLIGHT} in flight, SIGKILL half-way, ` +
        `down ${DOWN_MS} ms, RPC timeout ${RPC_TIMEOUT_MS} ms`,
    );
    console.log(
      'kind               | 201  | 504 | other | rows | made twice | 504 wrote before / after deadline | after retries: not once',
    );
    let failed = false;
    for (const kind of kinds) {
      const answers = await crashDuring(bench, kind);
      const made = await rowsOf(client, kind, bench.tenantId);
      const count = (status: number): number => answers.filter((a) => a.status === status).length;
      const other = answers.filter((a) => a.status !== 201 && a.status !== 504).length;
      let twice = 0;
      let before = 0;
      let after = 0;
      answers.forEach((answer, i) => {
        const rows = made.get(i);
        if (rows && rows.n > 1) twice++;
        if (answer.status === 201 && rows?.n !== 1) twice++;
        if (answer.status === 504 && rows) {
          if (rows.first.getTime() > answer.sentAt + RPC_TIMEOUT_MS) after++;
          else before++;
        }
      });
      for (const [i, answer] of answers.entries()) {
        if (answer.status === 504 && answer.retryKey)
          await kind.send(bench.admin, i, answer.retryKey);
      }
      const final = await rowsOf(client, kind, bench.tenantId);
      const notOnce = answers.filter((_, i) => final.get(i)?.n !== 1).length;
      const total = [...made.values()].reduce((sum, r) => sum + r.n, 0);
      console.log(
        `${kind.name.padEnd(18)} | ${String(count(201)).padStart(4)} | ${String(count(504)).padStart(3)} | ` +
          `${String(other).padStart(5)} | ${String(total).padStart(4)} | ${String(twice).padStart(10)} | ` +
          `${String(before).padStart(10)} / ${after}${' '.repeat(21)} | ${notOnce}`,
      );
      if (twice > 0 || after > 0 || notOnce > 0 || other > 0) failed = true;
    }
    console.log(
      failed ? 'NOT MET: a write took effect twice, late, or not at all' : 'met: every write once',
    );
  } finally {
    await client.end();
    await bench.system.stop();
    await db.drop();
  }
}

runBench(main);
