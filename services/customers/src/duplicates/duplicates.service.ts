import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource, type EntityManager } from 'typeorm';
import {
  problemType,
  type CallerContext,
  type DismissedDuplicateView,
  type DuplicateCandidate,
  type DuplicatePairMerge,
  type DuplicatePairPage,
  type DuplicateReason,
  type DuplicateScanView,
  type FieldError,
  type ListDuplicatesQueryDto,
  isUuid,
} from '@kanta/contracts';
import { CommandLog } from '@kanta/messaging';
import {
  canSee,
  decodeKeysetCursor,
  encodeKeysetCursor,
  requireTenant,
  RpcProblem,
  visibleStations,
  type WriteCommand,
} from '@kanta/platform';
import { refuseClosedCustomer } from '../customers/card-rules';
import type { CustomerWrite } from '../customers/customer-row';
import { seesSensitiveData } from '../customers/customer-view';
import { SensitiveData } from '../sensitive/sensitive-data';
import {
  addDuplicateScanJob,
  DUPLICATE_SCAN_QUEUE,
  redisErrorReporter,
  type DuplicateScanJob,
} from './duplicate-scan.job';
import {
  DuplicatesRepository,
  type BatchCandidate,
  type DuplicateKeys,
  type FoundCandidate,
  type PairCursor,
  type ScanRow,
} from './duplicates.repository';

/** Candidates a customer's pairs are kept for (and a create looks at). */
export const PAIRS_PER_CUSTOMER = 50;
/** Candidates a 409 lists. */
const CANDIDATES_SHOWN = 10;
const DEFAULT_PAGE_SIZE = 25;

/** The patch fields that change a customer's business keys, and so its pairs. */
export const KEY_FIELDS = [
  'kind',
  'firstName',
  'lastName',
  'companyName',
  'phone',
  'email',
  'addresses',
  'birthday',
  'externalIds',
  'customerNumber',
];

/**
 * The reasons that compare a value the caller may not read (the birthday, masked to workers).
 * Whether a guess of it is right must not show in what such a caller is told, so their creates
 * are checked without it, and their list of pairs leaves it out (and scores without it).
 */
const SENSITIVE_REASONS: DuplicateReason[] = ['nameAndBirthday'];

@Injectable()
export class DuplicatesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Duplicates');

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DuplicatesRepository,
    private readonly sensitive: SensitiveData,
    private readonly commands: CommandLog,
    @InjectQueue(DUPLICATE_SCAN_QUEUE) private readonly queue: Queue<DuplicateScanJob>,
  ) {
    queue.on(
      'error',
      redisErrorReporter((m) => this.logger.warn(m)),
    );
  }

  /** The keys of a customer as they will be stored (the write is already normalised). */
  keysOf(tenantId: string, write: CustomerWrite, withNumber: boolean): DuplicateKeys {
    return {
      kind: write.kind,
      firstName: write.first_name,
      lastName: write.last_name,
      companyName: write.company_name,
      phone: write.phone,
      email: write.email,
      externalIds: write.external_ids,
      customerNumber: withNumber ? write.customer_number : null,
      addresses: write.addresses,
      birthdayLookup:
        write.birthday === null
          ? null
          : this.sensitive.lookup(tenantId, 'birthday', write.birthday),
    };
  }

  /**
   * The keys a caller's create is checked by: all of them for one who sees sensitive data;
   * without the birthday for one who does not, whose answer must read the same whether the
   * birthday they typed is the one on file or not. Their customer's pairs are still found with
   * every key (`pairsCreated`), for those who may see why.
   */
  keysShownTo(context: CallerContext, keys: DuplicateKeys): DuplicateKeys {
    if (seesSensitiveData(context) || keys.birthdayLookup === null) return keys;
    return { ...keys, birthdayLookup: null };
  }

  /** Existing customers of the tenant (any status, any station) that these keys match. */
  candidatesFor(tenantId: string, keys: DuplicateKeys): Promise<FoundCandidate[]> {
    return this.repository.findCandidates(tenantId, keys, {
      excludeId: null,
      limit: PAIRS_PER_CUSTOMER,
    });
  }

  /**
   * The best candidate of each of many customers (an import's batch), by the same keys and
   * reasons as `candidatesFor`, in one round trip; `probe` is the index in `keys`.
   */
  bestCandidatesFor(tenantId: string, keys: readonly DuplicateKeys[]): Promise<BatchCandidate[]> {
    return this.repository.findBestCandidates(tenantId, keys);
  }

  /**
   * The 409 of a create that matches: the candidates the caller may see, the number of the
   * others, and `errors` for the keys that stay unique even with allowDuplicate.
   */
  possibleDuplicate(
    context: CallerContext,
    found: FoundCandidate[],
    uniqueKeyErrors: FieldError[],
  ): RpcProblem {
    const visible = found.filter((c) => canSee(context, c.stationIds));
    const candidates: DuplicateCandidate[] = visible
      .slice(0, CANDIDATES_SHOWN)
      .map(({ customerId, customerNumber, displayName, reasons, score }) => ({
        customerId,
        customerNumber,
        displayName,
        reasons,
        score,
      }));
    return new RpcProblem({
      type: problemType('possible-duplicate'),
      title: 'Possible duplicate',
      status: 409,
      detail:
        `The customer matches ${found.length} existing customer(s). Use one of them, or create ` +
        'it anyway with allowDuplicate=true' +
        (uniqueKeyErrors.length > 0 ? ' after changing the fields listed in errors.' : '.'),
      candidates,
      hiddenCandidates: found.length - visible.length,
      ...(uniqueKeyErrors.length > 0 ? { errors: uniqueKeyErrors } : {}),
    });
  }

  /** After a create that matched (allowDuplicate): the new customer's pairs, idempotently. */
  async pairsCreated(tenantId: string, customerId: string, found: FoundCandidate[]): Promise<void> {
    await this.repository.replacePairsOf(
      this.repository.runner(),
      tenantId,
      customerId,
      found.filter((c) => c.customerId !== customerId),
    );
  }

  /** In the transaction of an update that changed a key field: the customer's pairs again. */
  async refreshPairs(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    write: CustomerWrite,
  ): Promise<void> {
    const found = await this.repository.findCandidates(
      tenantId,
      this.keysOf(tenantId, write, true),
      { excludeId: customerId, limit: PAIRS_PER_CUSTOMER, runner: manager },
    );
    await this.repository.replacePairsOf(manager, tenantId, customerId, found);
  }

  async list(context: CallerContext, query: ListDuplicatesQueryDto): Promise<DuplicatePairPage> {
    const tenant = requireTenant(context);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.listPairs({
      tenantId: tenant.id,
      minScore: query.minScore ?? 0,
      stationIds: visibleStations(context),
      hiddenReasons: seesSensitiveData(context) ? [] : SENSITIVE_REASONS,
      after: query.cursor ? decodePairCursor(query.cursor) : null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        id: row.id,
        customers: [
          { id: row.customerA, customerNumber: row.aNumber, displayName: row.aName },
          { id: row.customerB, customerNumber: row.bNumber, displayName: row.bName },
        ],
        reasons: row.reasons,
        score: Number(row.score),
        foundAt: row.foundAt.toISOString(),
      })),
      nextCursor:
        rows.length > limit && last
          ? encodePairCursor({
              score: last.score,
              customerA: last.customerA,
              customerB: last.customerB,
            })
          : null,
    };
  }

  /**
   * A suggested pair as a merge takes it: the customer created first survives (online bookings
   * and partner events make the later duplicates of a customer the reception made), the later
   * one is merged into it. 404 for an unknown, dismissed or another tenant's pair.
   */
  async pairToMerge(context: CallerContext, pairId: string): Promise<DuplicatePairMerge> {
    const tenant = requireTenant(context);
    requireAdmin(context, 'merge suggested duplicates');
    const pair = isUuid(pairId) ? await this.repository.pairToMerge(tenant.id, pairId) : null;
    if (!pair) throw RpcProblem.notFound('Duplicate pair');
    return { pairId, survivorId: pair.survivor, duplicateId: pair.duplicate };
  }

  /**
   * Idempotent by its own key: dismissing a pair again (a redelivery, a second click) keeps the
   * first dismissal and answers it, so it needs no command log.
   */
  async dismiss(context: CallerContext, customerIds: string[]): Promise<DismissedDuplicateView> {
    const tenant = requireTenant(context);
    requireAdmin(context, 'dismiss suggested duplicates');
    const [a, b] = [...customerIds].sort();
    if (a === b) {
      throw RpcProblem.validation([
        {
          field: 'customerIds',
          reason: 'same_customer',
          message: 'customerIds must be two different customers',
        },
      ]);
    }
    const dismissedAt = await this.dataSource.transaction(async (manager) => {
      const customers = await this.repository.lockedStatuses(manager, tenant.id, [a, b]);
      if (customers.length !== 2) throw RpcProblem.notFound('Customer');
      // An erased customer is in no pair, dismissed ones included; a merged one is its survivor.
      for (const customer of customers) refuseClosedCustomer(customer);
      return this.repository.dismiss(manager, tenant.id, a, b, context.userId);
    });
    return { customerIds: [a, b], dismissedAt: dismissedAt.toISOString() };
  }

  /**
   * Queues the tenant's full scan; a scan already queued or running is answered as it is. The
   * command delivered again answers the scan as it is then, rather than starting another.
   */
  async requestScan(context: CallerContext, command: WriteCommand): Promise<DuplicateScanView> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.requestScanOnce(context, command),
      () => this.getScan(context),
    );
  }

  private async requestScanOnce(
    context: CallerContext,
    command: WriteCommand,
  ): Promise<DuplicateScanView> {
    const tenant = requireTenant(context);
    requireAdmin(context, 'scan for duplicates');
    const { scan, queued } = await this.dataSource.transaction(async (manager) => {
      const requested = await this.repository.queueScan(manager, tenant.id, context.userId);
      await this.commands.record(manager, command, { answer: null });
      return requested;
    });
    if (queued) {
      try {
        await this.enqueue(tenant.id);
      } catch {
        await this.repository.markScan(tenant.id, { status: 'failed', progress: 0 });
        throw new RpcProblem({
          type: problemType('service-unavailable'),
          title: 'Service unavailable',
          status: 503,
          detail: 'The job queue cannot be reached; try the scan again shortly.',
        });
      }
    }
    return scanView(scan);
  }

  async getScan(context: CallerContext): Promise<DuplicateScanView> {
    const tenant = requireTenant(context);
    requireAdmin(context, 'see the duplicate scan');
    const scan = await this.repository.findScan(tenant.id);
    if (!scan) throw RpcProblem.notFound('Duplicate scan', 'No scan was requested yet.');
    return scanView(scan);
  }

  /** The job's work: the scan of one tenant, its state in the tenant's scan row. */
  async runScan(tenantId: string, progress: (percent: number) => Promise<void>): Promise<number> {
    await this.repository.startScan(tenantId);
    const started = Date.now();
    const pairs = await this.repository.scanTenant(tenantId, async (done, total) => {
      const percent = Math.floor((100 * done) / total);
      await this.repository.markScan(tenantId, { progress: percent });
      await progress(percent);
    });
    await this.repository.markScan(tenantId, {
      status: 'completed',
      progress: 100,
      pairsFound: pairs,
    });
    this.logger.log(
      `duplicate scan of tenant ${tenantId}: ${pairs} pairs in ${Date.now() - started} ms`,
    );
    return pairs;
  }

  async scanFailed(tenantId: string): Promise<void> {
    await this.repository.markScan(tenantId, { status: 'failed', progress: 0 });
  }

  /**
   * The scan rows are the truth and the queue only the trigger: scans asked for but not finished
   * (Redis lost them, or the service stopped) are queued again at start. The same job id makes
   * this a no-op for jobs that are still there. Redis being down does not hold up the start.
   */
  onApplicationBootstrap(): void {
    void this.repository
      .unfinishedScans()
      .then((tenants) => Promise.all(tenants.map((tenantId) => this.enqueue(tenantId))))
      .catch((error: unknown) =>
        this.logger.warn(`unfinished duplicate scans not re-queued: ${(error as Error).message}`),
      );
  }

  private enqueue(tenantId: string): Promise<void> {
    return addDuplicateScanJob(this.queue, tenantId);
  }
}

function requireAdmin(context: CallerContext, what: string): void {
  if (context.role !== 'admin') throw RpcProblem.forbidden(`Only an admin may ${what}.`);
}

function scanView(row: ScanRow): DuplicateScanView {
  return {
    status: row.status,
    progress: row.progress,
    requestedAt: row.requested_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    pairsFound: row.pairs_found,
  };
}

const SCORE = /^(0|1)(\.\d{1,9})?$/;

/** Opaque to callers: the last pair's key (score as Postgres printed it, ids). */
export function encodePairCursor(cursor: PairCursor): string {
  return encodeKeysetCursor([cursor.score, cursor.customerA, cursor.customerB]);
}

export function decodePairCursor(raw: string): PairCursor {
  const [score, customerA, customerB] = decodeKeysetCursor(
    raw,
    (parts) => parts.length === 3 && SCORE.test(parts[0]) && isUuid(parts[1]) && isUuid(parts[2]),
  );
  return { score, customerA, customerB };
}
