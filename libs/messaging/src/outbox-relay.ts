import type { ConfirmChannel } from 'amqplib';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  TransactionCommitEvent,
} from 'typeorm';
import type { BrokerConnection, ManagedChannel, MessagingLogger } from './broker-connection';
import { BROKER_UNAVAILABLE, ConfirmedPublisher, NO_CONFIRM } from './confirmed-publisher';
import { errorText, eventPublishOptions, type OutgoingEvent } from './message-format';
import { insertDeadLetter } from './dead-letters';
import { OUTBOX_MARK_V1 } from '@kanta/contracts';
import { OUTBOX_WRITTEN } from './outbox';
import { assertEventExchange } from './topology';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  broker: BrokerConnection;
  /** The service's schema, whose `outbox` table is relayed. */
  schema: string;
  eventsExchange: string;
  logger: MessagingLogger;
  /** Rows per transaction and per wait for confirms. */
  batchSize?: number;
  /**
   * Batches in flight at once, each in its own transaction (SKIP LOCKED keeps them apart).
   * More than 1 hides the broker's confirm latency (its fsync) behind the next batch, at the
   * price of strict outbox order, which consumers must not rely on anyway (retries reorder).
   */
  concurrency?: number;
  /**
   * The safety net beside the wake-up on commit (rows written by another process, a pass that
   * raced a commit): an event waits at most this long.
   */
  pollIntervalMs?: number;
  /** How long a pass waits after a wake-up for more commits to join its batch (default 10 ms). */
  gatherMs?: number;
  /** A batch whose confirms take longer than this is kept and retried. */
  confirmTimeoutMs?: number;
  /** Backoff after a failed batch: doubles from `initial` up to `max`, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * A row the broker or the client refuses while the broker is up (a nack, a message the broker
   * closes the channel on, one the client cannot encode) is set aside and tried alone, on a
   * channel of its own, after this backoff (default 1 s doubling to 60 s); after `maxRefusals`
   * (default 5) refusals it is parked as a dead letter (`unpublishable`). The rows behind it go
   * on meanwhile.
   */
  refusalBackoff?: { initialMs: number; maxMs: number };
  maxRefusals?: number;
  /**
   * Published rows are kept this long (default 7 days: enough to look into what was sent) and
   * then deleted, checked every `cleanupIntervalMs` (default 10 minutes), so the outbox stays
   * small. 0 keeps them forever.
   */
  retentionMs?: number;
  cleanupIntervalMs?: number;
  /**
   * Event types (prefixes, e.g. `partner.`) whose rows are deleted in the transaction that marks
   * them published instead of being kept for `retentionMs`: events that carry a person's values
   * (the gateway relays partner bookings with their contact details), which an erasure could
   * not find later, since nothing in them names the customer.
   */
  forgetPublished?: string[];
  /**
   * Tables of the schema whose rows wait for another event: one half of a pair whose other half
   * may never come (dead-lettered and not replayed). The same clean-up deletes those older than
   * `waitRetentionMs` (default 30 days), or gives up on the ones kept (`kept`), and warns with
   * the table and the count.
   */
  waiting?: WaitingTable[];
  /**
   * Also how long a dead letter no erasure can find is kept: a partner event's (it carries a
   * person's contact details, and one refused before any service attributed it names no
   * customer) or an unreadable message's (no type: nothing says what it holds). The clean-up
   * deletes them after this and warns with the count; replaying one later would find its other
   * halves given up anyway. Dead letters of the services' own events stay until replayed or
   * purged: they carry ids, and an erasure deletes those naming the person.
   */
  waitRetentionMs?: number;
  /**
   * The schema has a command log (CommandLog): the same clean-up deletes the rows of
   * gateway-made command ids an hour after their deadline, when no delivery of theirs can run.
   */
  commandLog?: boolean;
}

/** A table of rows that wait for another event, and its column saying since when. */
export interface WaitingTable {
  table: string;
  /** A timestamptz column, set when the row started waiting. */
  since: string;
  /**
   * For rows kept when they stop waiting (a receipt that waits for its customer): the condition
   * of a row still waiting, and the SET list that gives up on it (it must make the condition
   * false). Without it a waiting row is deleted.
   */
  kept?: { waiting: string; giveUp: string };
  /**
   * Rows that wait for an event that usually never comes (an erased customer's tombstones wait
   * for a late message naming its details): their expiry is the normal end, not worth a warning.
   */
  expiresQuietly?: boolean;
}

/** Rows one clean-up statement deletes, so no statement holds many locks for long. */
const CLEANUP_BATCH = 5000;

/** How long a gateway-made command id is kept after its deadline: for looking into, nothing else. */
const COMMAND_RETENTION_MS = 3600 * 1000;
/** The dead letters no erasure can find (OutboxRelayOptions.waitRetentionMs). */
const UNFINDABLE_DEAD_LETTERS = `event_type IS NULL OR event_type LIKE 'partner.%'`;

interface OutboxRow {
  id: string;
  event_id: string;
  tenant_id: string | null;
  refusals: number;
  type: string;
  producer: string;
  correlation_id: string | null;
  body: string;
}

type WakeReason = 'notify' | 'broker' | 'stop';

/**
 * Publishes the service's outbox to the events exchange: a batch of unpublished rows, in id
 * order, locked with FOR UPDATE SKIP LOCKED (a second instance takes the next rows instead of
 * waiting), all published on a confirm channel, then marked published in the same transaction
 * once the broker has confirmed them. A row is marked only after its confirm, so a crash or an
 * outage can repeat an event but never lose one; consumers deduplicate with their inbox.
 *
 * Order is not promised in general (batches in parallel, instances skipping each other's locked
 * rows, refused rows retried aside), with one exception: an outbox mark (OUTBOX_MARK_V1,
 * `writeOutboxMark`) is published only after every row with a smaller id is confirmed, so a
 * consumer that receives it has been sent everything its source committed before the mark.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly gatherMs: number;
  private readonly retentionMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly waitRetentionMs: number;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private cleanup: Promise<number> | undefined;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly refusalBackoff: { initialMs: number; maxMs: number };
  private readonly maxRefusals: number;
  private channel: ManagedChannel | undefined;
  /** Publishes refused rows one at a time, so a row the broker closes a channel on harms no other. */
  private aside: ManagedChannel | undefined;
  private asideLoop: Promise<void> | undefined;
  private wakeAside: (() => void) | undefined;
  /** Wakes the relay when a transaction that wrote to the outbox commits (see Outbox). */
  private readonly commitWatcher: EntitySubscriberInterface = {
    afterTransactionCommit: (event: TransactionCommitEvent) => {
      const data = event.queryRunner.data as Record<string, unknown>;
      if (!event.queryRunner.isTransactionActive && data[OUTBOX_WRITTEN]) {
        data[OUTBOX_WRITTEN] = false;
        this.wake('notify');
      }
    },
  };
  private loop: Promise<void> | undefined;
  private stopping = false;
  private pendingNotify = false;
  private sleeper: { wake: (reason: WakeReason) => void } | undefined;
  private readonly publisher: ConfirmedPublisher;
  private published = 0;

  /** `forgetPublished` as LIKE patterns. */
  private readonly forgotten: string[];

  constructor(private readonly options: OutboxRelayOptions) {
    // Marks mean nothing once published (OUTBOX_MARK_V1): never kept.
    this.forgotten = [
      ...(options.forgetPublished ?? []).map((prefix) => `${prefix}%`),
      OUTBOX_MARK_V1,
    ];
    this.batchSize = options.batchSize ?? 1000;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.gatherMs = options.gatherMs ?? 10;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
    this.cleanupIntervalMs = options.cleanupIntervalMs ?? 10 * 60 * 1000;
    this.waitRetentionMs = options.waitRetentionMs ?? 30 * 24 * 3600 * 1000;
    this.publisher = new ConfirmedPublisher(
      options.eventsExchange,
      options.confirmTimeoutMs ?? 15_000,
    );
    this.backoff = options.backoff ?? { initialMs: 250, maxMs: 15_000 };
    this.refusalBackoff = options.refusalBackoff ?? { initialMs: 1000, maxMs: 60_000 };
    this.maxRefusals = options.maxRefusals ?? 5;
  }

  /** Events this instance has published and marked since it started. */
  get publishedCount(): number {
    return this.published;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.channel = this.options.broker.openChannel(`outbox-relay:${this.options.schema}`, (ch) =>
      assertEventExchange(ch, this.options.eventsExchange).then(() => undefined),
    );
    this.channel.on('ready', () => this.wake('broker'));
    this.publisher.watch(this.channel);
    this.aside = this.options.broker.openChannel(
      `outbox-relay-aside:${this.options.schema}`,
      (ch) => assertEventExchange(ch, this.options.eventsExchange).then(() => undefined),
    );
    this.publisher.watch(this.aside);
    this.asideLoop = this.runAside();
    this.options.dataSource.subscribers.push(this.commitWatcher);
    // Rows committed before the start are picked up by the first pass.
    this.loop = this.run();
    this.cleanupTimer = setInterval(() => {
      this.cleanup ??= this.deleteExpired()
        .catch((error: unknown) => {
          this.options.logger.warn({ err: errorText(error) }, 'outbox clean-up failed');
          return 0;
        })
        .finally(() => (this.cleanup = undefined));
    }, this.cleanupIntervalMs);
    this.cleanupTimer.unref();
  }

  /**
   * Deletes published rows older than the retention, waiting rows and dead letters no erasure can
   * find older than theirs, in bounded batches; returns how many rows went.
   */
  async deleteExpired(): Promise<number> {
    let total =
      this.retentionMs > 0 ? await this.expireOlder('outbox', 'published_at', this.retentionMs) : 0;
    for (const { table, since, kept, expiresQuietly } of this.options.waiting ?? []) {
      if (this.stopping) break;
      const expired = await this.expireOlder(table, since, this.waitRetentionMs, { kept });
      if (expired > 0 && expiresQuietly !== true) {
        this.options.logger.warn(
          { table: `${this.options.schema}.${table}`, [kept ? 'givenUp' : 'deleted']: expired },
          'waiting rows expired: the event they waited for never came',
        );
      }
      total += expired;
    }
    if (!this.stopping) {
      const expired = await this.expireOlder('dead_letters', 'dead_at', this.waitRetentionMs, {
        where: UNFINDABLE_DEAD_LETTERS,
      });
      if (expired > 0) {
        this.options.logger.warn(
          { table: `${this.options.schema}.dead_letters`, deleted: expired },
          'dead letters of partner events or unreadable messages expired unreplayed',
        );
      }
      total += expired;
    }
    if (this.options.commandLog === true && !this.stopping) {
      total += await this.expireOlder('commands', 'deadline', COMMAND_RETENTION_MS, {
        where: 'NOT from_client',
      });
    }
    return total;
  }

  /**
   * Deletes the rows older than ageMs by `column` (only those matching `where`, when given), or,
   * for kept rows, gives up on them.
   */
  private async expireOlder(
    table: string,
    column: string,
    ageMs: number,
    { kept, where }: { kept?: WaitingTable['kept']; where?: string } = {},
  ): Promise<number> {
    const from = `"${this.options.schema}"."${table}"`;
    const old = `"${column}" < now() - $1 * interval '1 millisecond'`;
    const condition = kept ? kept.waiting : where;
    // By ctid, so a table without a one-column key is cleaned the same way.
    const batch = condition
      ? `SELECT ctid FROM ${from} WHERE (${condition}) AND ${old} LIMIT ${CLEANUP_BATCH}`
      : `SELECT ctid FROM ${from} WHERE ${old} LIMIT ${CLEANUP_BATCH}`;
    const statement = kept
      ? `UPDATE ${from} SET ${kept.giveUp} WHERE ctid = ANY(ARRAY(${batch}))`
      : `DELETE FROM ${from} WHERE ctid = ANY(ARRAY(${batch}))`;
    let total = 0;
    for (;;) {
      const [, changed] = await this.options.dataSource.query<[unknown, number]>(statement, [
        ageMs,
      ]);
      total += changed;
      if (changed < CLEANUP_BATCH || this.stopping) return total;
    }
  }

  /** Asks for a pass now (a commit that wrote to the outbox does); harmless at any time. */
  wake(reason: WakeReason = 'notify'): void {
    if (this.sleeper) this.sleeper.wake(reason);
    else if (reason === 'notify') this.pendingNotify = true;
  }

  /** Finishes the batch in flight (its rows are marked or kept), then releases everything. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake('stop');
    this.wakeAside?.();
    clearInterval(this.cleanupTimer);
    await this.cleanup;
    await this.loop;
    await this.asideLoop;
    this.loop = undefined;
    this.asideLoop = undefined;
    const subscribers = this.options.dataSource.subscribers;
    const index = subscribers.indexOf(this.commitWatcher);
    if (index >= 0) subscribers.splice(index, 1);
    await this.channel?.close();
    await this.aside?.close();
    this.channel = undefined;
    this.aside = undefined;
  }

  private async run(): Promise<void> {
    let failures = 0;
    // Batches in flight on the next pass: one while the outbox keeps up, `concurrency` while a
    // backlog fills whole batches. Empty extra transactions would cost the database a commit each.
    let parallel = 1;
    while (!this.stopping) {
      let full: boolean;
      try {
        const counts = await Promise.all(Array.from({ length: parallel }, () => this.relayBatch()));
        full = counts.some((count) => count === this.batchSize);
        parallel = full ? this.concurrency : 1;
        failures = 0;
      } catch (error) {
        failures += 1;
        const delay = backoffDelay(failures, this.backoff);
        this.options.logger.warn(
          { schema: this.options.schema, failures, retryInMs: delay, err: errorText(error) },
          'outbox relay batch failed; rows kept for retry',
        );
        // During a backoff only a reconnect or a stop cuts the wait: new commits must not turn
        // the backoff into a busy loop against a broker that is down.
        await this.sleep(delay, false);
        continue;
      }
      if (!full) {
        await this.sleep(this.pollIntervalMs, true);
        // Commits come in bursts: a moment's wait turns a burst into one batch (one
        // transaction, one confirm wait) instead of a pass per commit.
        if (!this.stopping) await new Promise((resolve) => setTimeout(resolve, this.gatherMs));
      }
    }
  }

  /** One transaction: lock a batch, publish it, wait for the confirms, mark what was confirmed. */
  private async relayBatch(): Promise<number> {
    const { dataSource, schema } = this.options;
    // A channel still opening (at start, after a reconnect) is worth a short wait before the
    // batch is counted as a failed attempt.
    const channel = await this.channel?.ready(2000).catch(() => undefined);
    let failure: string | undefined;
    const count = await dataSource.transaction(async (manager) => {
      const rows = await manager.query<OutboxRow[]>(
        `SELECT ${ROW_COLUMNS} FROM "${schema}".outbox
          WHERE published_at IS NULL AND next_attempt_at IS NULL
          ORDER BY id
          LIMIT $1
            FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      const marks = rows.filter((row) => row.type === OUTBOX_MARK_V1);
      let sent = marks.length === 0 ? rows : rows.filter((row) => row.type !== OUTBOX_MARK_V1);
      let results = channel
        ? await this.publishBatch(channel, sent)
        : sent.map(() => BROKER_UNAVAILABLE);
      if (marks.length > 0 && channel && !results.includes(NO_CONFIRM)) {
        // Marks go after the batch's other rows are confirmed, and only those with nothing
        // unpublished before them: a mark's arrival promises everything before it has arrived.
        const due = await marksDue(manager, schema, rows, marks, sent, results);
        if (due.length > 0) {
          results = [...results, ...(await this.publishBatch(channel, due))];
          sent = [...sent, ...due];
        }
      }
      const confirmed = sent.filter((_, i) => results[i] === null).map((row) => row.id);
      const failed = sent.filter((_, i) => results[i] !== null);
      await markPublished(manager, schema, confirmed, this.forgotten);
      if (failed.length > 0 && channel && !results.includes(NO_CONFIRM) && (await this.stillUp())) {
        // Refused with the broker up: by the row itself, or by the channel one row closed. Which
        // one is told apart aside, one row at a time; the batches behind go on meanwhile.
        await manager.query(
          `UPDATE "${schema}".outbox SET attempts = attempts + 1, last_error = $2,
             next_attempt_at = now() WHERE id = ANY($1::bigint[])`,
          [failed.map((row) => row.id), results.find((r) => r !== null)],
        );
        this.published += confirmed.length;
        this.wakeAside?.();
        return rows.length;
      }
      if (failed.length > 0) {
        failure = results.find((r) => r !== null) ?? 'publish failed';
        await manager.query(
          `UPDATE "${schema}".outbox SET attempts = attempts + 1, last_error = $2
            WHERE id = ANY($1::bigint[])`,
          [failed.map((row) => row.id), failure],
        );
      }
      this.published += confirmed.length;
      return rows.length;
    });
    if (failure) throw new Error(failure);
    return count;
  }

  /** Publishes the rows and waits for their confirms (ConfirmedPublisher). */
  private publishBatch(
    channel: ConfirmChannel,
    rows: readonly OutboxRow[],
  ): Promise<(string | null)[]> {
    return this.publisher.publish(channel, rows.map(outgoingEvent));
  }

  private brokerUp(): boolean {
    return this.options.broker.isConnected();
  }

  /**
   * Whether the connection outlived a failed batch: a lost connection closes its channels a
   * moment before it reports itself down, and an outage is nobody's refusal.
   */
  private async stillUp(): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return this.brokerUp();
  }

  /** Rows set aside, each tried alone when its time comes, until published or parked. */
  private async runAside(): Promise<void> {
    while (!this.stopping) {
      let tried = 0;
      try {
        tried = await this.relayAside();
      } catch (error) {
        this.options.logger.warn(
          { schema: this.options.schema, err: errorText(error) },
          'outbox rows set aside not tried',
        );
      }
      if (tried === 0) await this.pause(this.pollIntervalMs);
    }
  }

  private async relayAside(): Promise<number> {
    const { dataSource, schema } = this.options;
    return dataSource.transaction(async (manager) => {
      const rows = await manager.query<OutboxRow[]>(
        `SELECT ${ROW_COLUMNS} FROM "${schema}".outbox
          WHERE published_at IS NULL AND next_attempt_at <= now()
          ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED`,
      );
      let tried = 0;
      for (const row of rows) {
        if (this.stopping) break;
        const channel = await this.aside?.ready(2000).catch(() => undefined);
        if (!channel || !this.brokerUp()) break;
        const [result] = await this.publishBatch(channel, [row]);
        tried += 1;
        if (result === null) {
          await markPublished(manager, schema, [row.id], this.forgotten);
          this.published += 1;
        } else if (result === NO_CONFIRM || !this.brokerUp()) {
          break;
        } else if (row.refusals + 1 >= this.maxRefusals) {
          await this.park(manager, row, result);
        } else {
          await manager.query(
            `UPDATE "${schema}".outbox SET attempts = attempts + 1, refusals = refusals + 1,
               last_error = $2, next_attempt_at = now() + $3 * interval '1 millisecond'
             WHERE id = $1`,
            [row.id, result, backoffDelay(row.refusals + 1, this.refusalBackoff)],
          );
        }
      }
      return tried;
    });
  }

  /** A row refused `maxRefusals` times leaves the outbox for the dead letters. */
  private async park(manager: EntityManager, row: OutboxRow, reason: string): Promise<void> {
    const event = outgoingEvent(row);
    const properties = eventPublishOptions(event);
    await insertDeadLetter(manager, this.options.schema, {
      tenantId: row.tenant_id,
      consumer: 'outbox-relay',
      reason: 'unpublishable',
      eventId: row.event_id,
      eventType: row.type,
      routingKey: row.type,
      lastError: reason,
      attempts: row.refusals + 1,
      body: event.body,
      properties: {
        messageId: properties.messageId,
        correlationId: properties.correlationId,
        appId: properties.appId,
        type: properties.type,
        contentType: properties.contentType,
        contentEncoding: properties.contentEncoding,
        headers: properties.headers as Record<string, string>,
      },
    });
    await manager.query(`DELETE FROM "${this.options.schema}".outbox WHERE id = $1`, [row.id]);
    this.options.logger.warn(
      { schema: this.options.schema, eventId: row.event_id, type: row.type, err: reason },
      'outbox row parked as a dead letter: it could not be published',
    );
  }

  /** Waits, cut short by a stop or by rows set aside. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeAside = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeAside = done;
    });
  }

  private sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (wakeOnNotify && this.pendingNotify) {
      this.pendingNotify = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleeper = {
        wake: (reason) => {
          if (reason === 'notify' && !wakeOnNotify) {
            this.pendingNotify = true;
            return;
          }
          if (reason === 'notify') this.pendingNotify = false;
          done();
        },
      };
    });
  }
}

const ROW_COLUMNS = `id, event_id, tenant_id, refusals, type, envelope->>'producer' AS producer,
  envelope->>'correlationId' AS correlation_id, envelope::text AS body`;

function outgoingEvent(row: OutboxRow): OutgoingEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    producer: row.producer,
    correlationId: row.correlation_id,
    body: Buffer.from(row.body, 'utf8'),
  };
}

/**
 * The marks of a batch that may be published now: those before which no outbox row is still
 * unpublished — neither a row of this batch that was not confirmed, nor any row outside it (one
 * another relay instance has locked and is publishing, one set aside after a refusal). A row
 * committed before the mark was written has a smaller id (the sequence hands ids out in insert
 * order, and the mark was inserted after that commit), so it is seen here. A mark held back stays
 * in the outbox and is looked at again on a later pass.
 */
async function marksDue(
  manager: EntityManager,
  schema: string,
  batch: readonly OutboxRow[],
  marks: readonly OutboxRow[],
  sent: readonly OutboxRow[],
  results: readonly (string | null)[],
): Promise<OutboxRow[]> {
  const [{ first }] = await manager.query<{ first: string | null }[]>(
    `SELECT min(id)::text AS first FROM "${schema}".outbox
      WHERE published_at IS NULL AND NOT (id = ANY($1::bigint[]))`,
    [batch.map((row) => row.id)],
  );
  const failed = sent.filter((_, i) => results[i] !== null).map((row) => BigInt(row.id));
  const firstUnpublished = [...failed, ...(first === null ? [] : [BigInt(first)])].reduce<
    bigint | null
  >((min, id) => (min === null || id < min ? id : min), null);
  return marks.filter((mark) => firstUnpublished === null || BigInt(mark.id) < firstUnpublished);
}

/** Marks rows published; rows of a type in `forgotten` (LIKE patterns) are deleted instead. */
async function markPublished(
  manager: EntityManager,
  schema: string,
  ids: readonly string[],
  forgotten: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  if (forgotten.length > 0) {
    await manager.query(
      `DELETE FROM "${schema}".outbox WHERE id = ANY($1::bigint[]) AND type LIKE ANY($2::text[])`,
      [ids, forgotten],
    );
  }
  await manager.query(
    `UPDATE "${schema}".outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL
      WHERE id = ANY($1::bigint[])`,
    [ids],
  );
}

export function backoffDelay(
  failures: number,
  backoff: { initialMs: number; maxMs: number },
): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
  // ±20 % so that several instances recovering together do not retry in lockstep.
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
