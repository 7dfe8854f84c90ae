import type { ConsentTextView, CustomerView, ProblemDetails } from '@kanta/contracts';
import type { KantaApi } from '@kanta/local';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

/*
 * A write happens once, whatever crashes (issue #13): a burst of writes without an
 * Idempotency-Key, 32 in flight, and the service that owns them killed with SIGKILL half-way,
 * left down a moment, and started again. Then:
 * - a request answered 201 made exactly one row: without the command log, a command committed
 *   but not yet acked runs again after the restart (this test then fails with rows made twice);
 * - a request answered 504 made none after its deadline: it may have made one before (its answer
 *   died with the process, or came too late), never after;
 * - every 504 carries a retryKey, and sent again with it as Idempotency-Key is answered without
 *   writing twice: each request ends with exactly one row.
 * Requests that wait in the queue past their deadline are dropped by the broker (their TTL);
 * the deadline's own checks, for work taken just before it or running past it, are proved where
 * they can be made to happen: libs/messaging/test/command-log.int-spec.ts and the customers
 * service's rpc.int-spec.ts.
 */
const REQUESTS = 240;
const IN_FLIGHT = 32;
const RPC_TIMEOUT_MS = 1500;
/** Long enough for the requests waiting on it to come near their deadline, or pass it. */
const DOWN_MS = 1200;

jest.setTimeout(180_000);

interface Answer {
  status: number;
  retryKey?: string;
  /** When the request was sent (ms since the epoch). */
  sentAt: number;
}

interface BurstResult {
  answers: Answer[];
  /** Requests sent and not yet answered when the service was killed. */
  inFlightAtKill: number;
}

interface Rows {
  n: number;
  first: Date;
}

describe('exactly-once writes under a crash (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;

  beforeAll(async () => {
    e2e = await startE2eSystem('once', { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) });
    fi = await createTenant(e2e, 'once-fi');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  /** Sends `send(i)` for every i, IN_FLIGHT at a time; kills and restarts `service` half-way. */
  async function burstWithCrash(
    service: string,
    send: (i: number) => Promise<Answer>,
  ): Promise<BurstResult> {
    const answers: Answer[] = new Array<Answer>(REQUESTS);
    let next = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let crash: Promise<void> | undefined;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS) {
        const i = next++;
        if (i === REQUESTS / 2) {
          inFlightAtKill = inFlight;
          crash = e2e.system.restart(service, { downMs: DOWN_MS, startTimeoutMs: 90_000 });
        }
        inFlight++;
        answers[i] = await send(i);
        inFlight--;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await crash;
    // Whatever still waits in the command queue is past its deadline by now: the restarted
    // service drops it, and no commit can come after the deadline.
    await new Promise((resolve) => setTimeout(resolve, RPC_TIMEOUT_MS + 1000));
    return { answers, inFlightAtKill };
  }

  /**
   * What each request made (rows by the marker it carried, read by `count`), then the 504s sent
   * again with their retryKey (`resend`), and what each request has made in the end.
   */
  async function expectOnce(
    result: BurstResult,
    count: () => Promise<Map<number, Rows>>,
    resend: (i: number, key: string) => Promise<Answer>,
  ): Promise<void> {
    const unexpected = result.answers.filter((a) => a.status !== 201 && a.status !== 504);
    expect(unexpected).toEqual([]);
    // The crash came with work in flight, and the service answered again afterwards.
    expect(result.inFlightAtKill).toBeGreaterThan(0);
    expect(result.answers.slice(REQUESTS / 2).some((a) => a.status === 201)).toBe(true);

    const made = await count();
    const wrong: string[] = [];
    result.answers.forEach((answer, i) => {
      const rows = made.get(i);
      if (answer.status === 201 && rows?.n !== 1) {
        wrong.push(`#${i} answered 201 and made ${rows?.n ?? 0} rows`);
      }
      // Nothing is written after the deadline, which comes before the gateway's timeout.
      const late = rows !== undefined && rows.first.getTime() > answer.sentAt + RPC_TIMEOUT_MS;
      if (answer.status === 504 && rows && (rows.n > 1 || late)) {
        wrong.push(
          `#${i} answered 504 and made ${rows.n} rows, ${late ? 'after' : 'before'} its deadline`,
        );
      }
      if (answer.status === 504 && !answer.retryKey)
        wrong.push(`#${i} answered 504 without a retryKey`);
    });
    expect(wrong).toEqual([]);

    // Sent again with its retryKey, a 504 is answered (the first write's answer, or a new one);
    // the count below shows it wrote nothing twice.
    for (const [i, answer] of result.answers.entries()) {
      if (answer.status !== 504) continue;
      const again = await resend(i, answer.retryKey!);
      expect([200, 201]).toContain(again.status);
    }
    const after = await count();
    const notOnce = result.answers
      .map((_, i) => [i, after.get(i)?.n ?? 0])
      .filter(([, n]) => n !== 1);
    expect(notOnce).toEqual([]);
  }

  const post = async (
    client: KantaApi,
    path: string,
    body: unknown,
    key?: string,
  ): Promise<Answer> => {
    const sentAt = Date.now();
    const response = await client.request<ProblemDetails>(
      'POST',
      path,
      body,
      key === undefined ? {} : { 'Idempotency-Key': key },
    );
    const retryKey = response.status === 504 ? response.body.retryKey : undefined;
    return {
      status: response.status,
      sentAt,
      ...(typeof retryKey === 'string' ? { retryKey } : {}),
    };
  };

  const rowsBy = (sql: string, params: unknown[]) => async (): Promise<Map<number, Rows>> => {
    const rows = await e2e.database.query<{ marker: string; n: string; first: Date }>(sql, params);
    return new Map(rows.map((r) => [Number(r.marker), { n: Number(r.n), first: r.first }]));
  };

  it('creates each customer once: 2xx made one, 504 made none', async () => {
    const send = (i: number, key?: string): Promise<Answer> =>
      post(
        fi.admin,
        '/api/v1/customers?allowDuplicate=true',
        { firstName: 'Kerran', lastName: `Vain${i}` },
        key,
      );
    await expectOnce(
      await burstWithCrash('customers', (i) => send(i)),
      rowsBy(
        `SELECT substr(last_name, 5) AS marker, count(*) AS n, min(created_at) AS first
           FROM customers.customers
          WHERE tenant_id = $1 AND first_name = 'Kerran' GROUP BY last_name`,
        [fi.tenantId],
      ),
      send,
    );
  });

  it('books each visit once: 2xx made one, 504 made none', async () => {
    const send = (i: number, key?: string): Promise<Answer> =>
      post(
        fi.worker,
        '/api/v1/visits',
        {
          kind: 'inspection',
          channel: 'phone',
          scheduledAt: '2026-12-10T09:00:00+02:00',
          notes: `burst-${i}`,
        },
        key,
      );
    await expectOnce(
      await burstWithCrash('vehicles', (i) => send(i)),
      rowsBy(
        `SELECT substr(notes, 7) AS marker, count(*) AS n, min(created_at) AS first
           FROM vehicles.visits
          WHERE tenant_id = $1 AND notes LIKE 'burst-%' GROUP BY notes`,
        [fi.tenantId],
      ),
      send,
    );
  });

  it('records each consent decision once: 2xx made one, 504 made none', async () => {
    const customer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Suostuva',
      lastName: 'Asiakas',
    });
    const text = await fi.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
      purpose: 'marketing_email',
      locale: 'fi',
      body: 'Tarjouksia sähköpostilla.',
    });
    const send = (i: number, key?: string): Promise<Answer> =>
      post(
        fi.admin,
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
      );
    await expectOnce(
      await burstWithCrash('consents', (i) => send(i)),
      rowsBy(
        `SELECT substr(evidence->>'note', 7) AS marker, count(*) AS n, min(recorded_at) AS first
           FROM consents.ledger
          WHERE tenant_id = $1 AND customer_id = $2 GROUP BY evidence->>'note'`,
        [fi.tenantId, customer.id],
      ),
      send,
    );
  });
});
