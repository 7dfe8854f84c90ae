import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  IMPORT_VEHICLES_V1,
  isUuid,
  type CallerContext,
  type ConsentsGiven,
  type FieldError,
  type ImportDuplicatePolicy,
  type ImportedVehicleV1,
} from '@kanta/contracts';
import { uniqueViolation } from '@kanta/database';
import { OUTBOX_WRITTEN, Outbox, type OutboxEvent } from '@kanta/messaging';
import { RpcProblem, requireTenant, uuidv7, type CallerTenant } from '@kanta/platform';
import { customerNumberTaken } from '../../customers/card-rules';
import { newCustomerWrite } from '../../customers/creation/customer-creation';
import { customerCreatedEvent, customerUpdatedEvent } from '../../customers/customer-events';
import type { CustomerWrite } from '../../customers/customer-row';
import {
  CONSTRAINTS,
  CustomersRepository,
  allocateCustomerNumbers,
  insertCustomersStatement,
  updateCustomersStatement,
} from '../../customers/customers.repository';
import { changedFields, mergePatch } from '../../customers/update/merge-patch';
import {
  DUPLICATE_SCAN_QUEUE,
  addDuplicateScanJob,
  type DuplicateScanJob,
} from '../../duplicates/duplicate-scan.job';
import { DuplicatesRepository } from '../../duplicates/duplicates.repository';
import { SensitiveData } from '../../sensitive/sensitive-data';
import {
  actionOf,
  patchOf,
  type ImportRowRecord,
  type PlannedImportRow,
  type RowResult,
} from './import-commit-plan';
import { ImportCommitJobs } from './import-commit.jobs';
import { ImportCommitLeases } from './import-commit.leases';

/** Rows per batch (one transaction each): IMPORT_COMMIT_BATCH_SIZE. */
export const IMPORT_COMMIT_BATCH_SIZE = Symbol('IMPORT_COMMIT_BATCH_SIZE');
export const DEFAULT_IMPORT_COMMIT_BATCH_SIZE = 1000;

/** Who asked for the commit, kept on the import: the job's caller context. */
export interface CommitContext {
  tenant: CallerTenant;
  userId: string;
  correlationId: string | null;
  /** The new cards' stations: the committer's current station, as the API's create gives. */
  stationIds: string[];
}

export type CommitOutcome = 'committed' | 'stopped' | 'skipped' | 'gone';

type BatchOutcome = 'more' | 'done' | 'stopped' | 'gone';

/** A batch's outcome, and whether it queued the tenant's duplicate scan (the last one may). */
interface BatchResult {
  outcome: BatchOutcome;
  scanQueued?: boolean;
}

interface ImportState {
  status: string;
  duplicates: ImportDuplicatePolicy;
  committed_through: number;
  commit_context: CommitContext;
  options: { consentTextId?: string };
  vehicle_batches_sent: number;
}

interface Insert {
  rowNumber: number;
  id: string;
  write: CustomerWrite;
  explicitNumber: boolean;
  planned: PlannedImportRow;
}

/** A row's failure as the API would name it: a unique key taken since the dry run. */
const EXTERNAL_ID_TAKEN: FieldError = {
  field: 'externalId',
  reason: 'taken',
  message: 'Another customer of this tenant has this external id.',
};

/**
 * The commit of a planned import (issue #16, docs/import.md "The commit"): `start` marks it
 * `committing` with its policy and who asked, and queues the job; `run` (the job, or the sweep
 * for a commit whose run died) applies the plan batch by batch under the import's lease.
 *
 * Each batch is one transaction that locks the import's row first: the next rows after
 * `committed_through`, in row order; the new cards (numbered as a create numbers them, one
 * multi-row statement with their created events), the updates and merges (one statement, their
 * updated events), the batch's `customers.import.vehicles.v1`, the rows' results (planned values
 * cleared), and the checkpoint. A run killed mid-batch leaves nothing of it; the next run starts
 * after the checkpoint, so every row is committed exactly once. A DELETE (cancelled) is seen at
 * the next batch. A card that cannot be written (a number or external id taken since the dry
 * run) fails its row with the reason: the batch is applied again row by row under savepoints,
 * only when its multi-row insert failed.
 */
@Injectable()
export class ImportCommit implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ImportCommit');
  /** Shutting down: runs stop after their batch and leave the rest to another process. */
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: CustomersRepository,
    private readonly outbox: Outbox,
    private readonly sensitive: SensitiveData,
    private readonly leases: ImportCommitLeases,
    private readonly jobs: ImportCommitJobs,
    private readonly duplicates: DuplicatesRepository,
    @InjectQueue(DUPLICATE_SCAN_QUEUE) private readonly scans: Queue<DuplicateScanJob>,
    @Inject(IMPORT_COMMIT_BATCH_SIZE) private readonly batchSize: number,
  ) {}

  /** Marks a planned import `committing` and queues its job; 409 unless planned. */
  async start(context: CallerContext, id: string, policy: ImportDuplicatePolicy): Promise<void> {
    const tenant = requireTenant(context);
    if (context.role !== 'admin') throw RpcProblem.forbidden('Only admins commit imports.');
    if (!isUuid(id)) throw RpcProblem.notFound('Import');
    const commitContext: CommitContext = {
      tenant,
      userId: context.userId,
      correlationId: context.correlationId ?? null,
      stationIds: context.currentStationId ? [context.currentStationId] : [],
    };
    // TypeORM answers an UPDATE … RETURNING as [rows, affected].
    const [[started]] = await this.dataSource.query<[{ id: string }[], number]>(
      `UPDATE customers.imports SET status = 'committing', duplicates = $3, commit_context = $4
        WHERE tenant_id = $1 AND id = $2 AND status = 'planned'
       RETURNING id`,
      [tenant.id, id, policy, JSON.stringify(commitContext)],
    );
    if (!started) {
      const [current] = await this.dataSource.query<{ status: string }[]>(
        'SELECT status FROM customers.imports WHERE tenant_id = $1 AND id = $2',
        [tenant.id, id],
      );
      if (!current) throw RpcProblem.notFound('Import');
      throw RpcProblem.conflict(
        'import-not-planned',
        'Import not planned',
        `Only a planned import can be committed; this one is ${current.status}.`,
      );
    }
    await this.jobs.schedule(tenant.id, id);
  }

  /** Applies the plan to its end (or a cancel) under the import's lease; `skipped` if held. */
  async run(tenantId: string, importId: string): Promise<CommitOutcome> {
    const lease = await this.leases.take(importId);
    if (!lease) return 'skipped';
    try {
      for (;;) {
        if (this.stopping) return 'skipped';
        const { outcome, scanQueued } = await this.batch(tenantId, importId);
        if (outcome === 'more') continue;
        if (scanQueued) await this.scanForDuplicates(tenantId, importId);
        return outcome === 'done' ? 'committed' : outcome;
      }
    } finally {
      await this.leases.release(importId);
    }
  }

  /** One batch in one transaction; see the class. */
  private batch(tenantId: string, importId: string): Promise<BatchResult> {
    return this.dataSource.transaction(async (manager): Promise<BatchResult> => {
      const [state] = await manager.query<ImportState[]>(
        `SELECT status, duplicates, committed_through, commit_context, options,
                vehicle_batches_sent
           FROM customers.imports WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [tenantId, importId],
      );
      if (!state) return { outcome: 'gone' };
      if (state.status !== 'committing') return { outcome: 'stopped' };
      const rows = await manager.query<ImportRowRecord[]>(
        `SELECT row_number, outcome, customer_id, planned FROM customers.import_rows
          WHERE tenant_id = $1 AND import_id = $2 AND row_number > $3
          ORDER BY row_number LIMIT $4`,
        [tenantId, importId, state.committed_through, this.batchSize],
      );
      if (rows.length === 0) {
        // Every row is committed: the import is, once every vehicles batch is answered too.
        const [[done]] = await manager.query<[{ first: boolean; cards: number }[], number]>(
          `UPDATE customers.imports
              SET customers_done_at = coalesce(customers_done_at, now()),
                  status = CASE WHEN vehicle_batches_done >= vehicle_batches_sent
                                THEN 'committed' ELSE status END,
                  committed_at = CASE WHEN vehicle_batches_done >= vehicle_batches_sent
                                      THEN now() ELSE committed_at END
            WHERE tenant_id = $1 AND id = $2
        RETURNING (SELECT customers_done_at IS NULL FROM customers.imports
                    WHERE tenant_id = $1 AND id = $2) AS first,
                  n_created + n_updated + n_merged AS cards`,
          [tenantId, importId],
        );
        // Cards that came in bulk were paired by no create or edit: the tenant's full duplicate
        // scan finds their pairs (queued with the import's end, its job added after the commit).
        const scanQueued =
          done.first && done.cards > 0
            ? (await this.duplicates.queueScan(manager, tenantId, state.commit_context.userId))
                .queued
            : false;
        return { outcome: 'done', scanQueued };
      }
      await manager.query('SAVEPOINT import_batch');
      try {
        await this.apply(manager, tenantId, importId, state, rows, false);
      } catch (error) {
        if (!uniqueViolation(error)) throw error;
        // Someone took a number or an external id since the checks: row by row, to fail
        // only the rows that collide.
        await manager.query('ROLLBACK TO SAVEPOINT import_batch');
        await this.apply(manager, tenantId, importId, state, rows, true);
      }
      return { outcome: 'more' };
    });
  }

  private async apply(
    manager: EntityManager,
    tenantId: string,
    importId: string,
    state: ImportState,
    rows: ImportRowRecord[],
    rowByRow: boolean,
  ): Promise<void> {
    const context = state.commit_context;
    const results = new Map<number, RowResult>();
    const fail = (rowNumber: number, customerId: string | null, errors: FieldError[]): void => {
      results.set(rowNumber, { rowNumber, result: 'failed', customerId, errors });
    };
    const inserts: Insert[] = [];
    const changes: { row: ImportRowRecord; action: 'update' | 'merge' }[] = [];
    for (const row of rows) {
      const action = actionOf(row.outcome, state.duplicates);
      if (action === 'none') continue;
      if (action === 'skip') {
        results.set(row.row_number, {
          rowNumber: row.row_number,
          result: 'skipped',
          customerId: row.customer_id,
        });
        continue;
      }
      if (!row.planned) {
        fail(row.row_number, row.customer_id, [
          { field: 'row', reason: 'not-planned', message: 'The row has no planned values.' },
        ]);
        continue;
      }
      if (action === 'create') {
        const built = newCustomerWrite(context.tenant, row.planned.customer, context.stationIds);
        if (built.errors.length > 0) {
          fail(row.row_number, null, built.errors);
          continue;
        }
        const explicitNumber = row.planned.customer.customerNumber != null;
        inserts.push({
          rowNumber: row.row_number,
          id: uuidv7(),
          write: built.row,
          explicitNumber,
          planned: row.planned,
        });
      } else if (row.customer_id) {
        changes.push({ row, action });
      } else {
        fail(row.row_number, null, [
          { field: 'customerId', reason: 'not-planned', message: 'The row names no customer.' },
        ]);
      }
    }

    const created = await this.insert(manager, tenantId, importId, state, inserts, rowByRow, fail);
    for (const insert of created) {
      results.set(insert.rowNumber, {
        rowNumber: insert.rowNumber,
        result: 'created',
        customerId: insert.id,
      });
    }
    const changed = await this.change(manager, tenantId, context, changes, fail);
    for (const c of changed) results.set(c.rowNumber, c);

    // The batch's vehicles, each with the customer its row made or changed.
    const vehicles: ImportedVehicleV1[] = [];
    for (const row of rows) {
      const result = results.get(row.row_number);
      const vehicle = row.planned?.vehicle;
      if (!vehicle || !result?.customerId || result.result === 'failed') continue;
      if (result.result === 'skipped') continue;
      vehicles.push({
        rowNumber: row.row_number,
        customerId: result.customerId,
        plate: vehicle.registration,
        vin: vehicle.vin ?? null,
        make: vehicle.make ?? null,
        model: vehicle.model ?? null,
        year: vehicle.year ?? null,
      });
    }
    const vehicleBatch = state.vehicle_batches_sent + 1;
    if (vehicles.length > 0) {
      await this.outbox.enqueue(manager, [
        {
          type: IMPORT_VEHICLES_V1,
          tenantId,
          correlationId: context.correlationId,
          payload: { importId, batch: vehicleBatch, vehicles },
        },
      ]);
    }

    const all = [...results.values()];
    const count = (result: RowResult['result']): number =>
      all.filter((r) => r.result === result).length;
    await manager.query(
      `UPDATE customers.import_rows r
          SET result = k.result, customer_id = coalesce(k.customer_id, r.customer_id),
              errors = CASE WHEN k.errors IS NULL THEN r.errors
                            ELSE coalesce(r.errors, '[]'::jsonb) || k.errors END,
              planned = NULL
         FROM jsonb_to_recordset($3::jsonb)
           AS k(row_number integer, result text, customer_id uuid, errors jsonb)
        WHERE r.tenant_id = $1 AND r.import_id = $2 AND r.row_number = k.row_number`,
      [
        tenantId,
        importId,
        JSON.stringify(
          all.map((r) => ({
            row_number: r.rowNumber,
            result: r.result,
            customer_id: r.customerId,
            errors: r.errors ?? null,
          })),
        ),
      ],
    );
    await manager.query(
      `UPDATE customers.imports
          SET committed_through = $3, n_created = n_created + $4, n_updated = n_updated + $5,
              n_merged = n_merged + $6, n_skipped = n_skipped + $7, n_failed = n_failed + $8,
              vehicle_batches_sent = vehicle_batches_sent + $9
        WHERE tenant_id = $1 AND id = $2`,
      [
        tenantId,
        importId,
        rows[rows.length - 1].row_number,
        count('created'),
        count('updated'),
        count('merged'),
        count('skipped'),
        count('failed'),
        vehicles.length > 0 ? 1 : 0,
      ],
    );
  }

  /**
   * The new cards, numbered (an explicit number taken since the dry run fails its row, as a
   * create answers 409), with their created events: one statement, or one per row in a savepoint
   * when the batch's failed.
   */
  private async insert(
    manager: EntityManager,
    tenantId: string,
    importId: string,
    state: ImportState,
    candidates: Insert[],
    rowByRow: boolean,
    fail: (rowNumber: number, customerId: string | null, errors: FieldError[]) => void,
  ): Promise<Insert[]> {
    if (candidates.length === 0) return [];
    const taken = await this.takenKeys(manager, tenantId, candidates);
    const inserts = candidates.filter((insert) => {
      const errors = taken.get(insert.rowNumber);
      if (errors) fail(insert.rowNumber, null, errors);
      return !errors;
    });
    const generated = inserts.filter((insert) => !insert.explicitNumber);
    const numbers = await allocateCustomerNumbers(
      manager,
      generated.map(() => tenantId),
    );
    generated.forEach((insert, i) => {
      insert.write = { ...insert.write, customer_number: numbers[i] };
    });
    const context = state.commit_context;
    const statement = (batch: Insert[]) =>
      insertCustomersStatement(
        batch.map((insert) => ({
          tenantId,
          id: insert.id,
          origin: 'import' as const,
          write: insert.write,
          importId,
        })),
        (first) =>
          this.outbox.statementPart(
            batch.map((insert) =>
              customerCreatedEvent(
                tenantId,
                insert.id,
                insert.write,
                'import',
                context.correlationId,
                consentsOf(insert.planned, context, state.options.consentTextId),
              ),
            ),
            first,
          ),
        this.sensitive,
      );
    if (!rowByRow) {
      if (inserts.length > 0) {
        const { text, values } = statement(inserts);
        await manager.query(text, values);
        markOutboxWritten(manager);
      }
      return inserts;
    }
    const made: Insert[] = [];
    for (const insert of inserts) {
      await manager.query('SAVEPOINT import_row');
      try {
        const { text, values } = statement([insert]);
        await manager.query(text, values);
        await manager.query('RELEASE SAVEPOINT import_row');
        made.push(insert);
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (constraint === null) throw error;
        await manager.query('ROLLBACK TO SAVEPOINT import_row');
        fail(
          insert.rowNumber,
          null,
          constraint === CONSTRAINTS.externalId
            ? [EXTERNAL_ID_TAKEN]
            : (customerNumberTaken().problem.errors ?? []),
        );
      }
    }
    markOutboxWritten(manager);
    return made;
  }

  /** The rows whose explicit customer number or external id another card holds now. */
  private async takenKeys(
    manager: EntityManager,
    tenantId: string,
    inserts: Insert[],
  ): Promise<Map<number, FieldError[]>> {
    const numbers = inserts.filter((i) => i.explicitNumber).map((i) => i.write.customer_number);
    const externalIds = inserts.flatMap((i) => i.write.external_ids);
    const [takenNumbers, takenIds] = await Promise.all([
      numbers.length === 0
        ? []
        : manager.query<{ customer_number: string }[]>(
            `SELECT customer_number FROM customers.customers
              WHERE tenant_id = $1 AND customer_number = ANY($2::text[])`,
            [tenantId, numbers],
          ),
      externalIds.length === 0
        ? []
        : manager.query<{ key: string }[]>(
            `SELECT x.system || ':' || x.external_id AS key
               FROM customers.customer_external_ids x
               JOIN jsonb_to_recordset($2::jsonb) AS e(system text, id text)
                 ON x.system = e.system AND x.external_id = e.id
              WHERE x.tenant_id = $1`,
            [tenantId, JSON.stringify(externalIds)],
          ),
    ]);
    const numberSet = new Set(takenNumbers.map((t) => t.customer_number));
    const idSet = new Set(takenIds.map((t) => t.key));
    const taken = new Map<number, FieldError[]>();
    for (const insert of inserts) {
      const errors: FieldError[] = [];
      if (insert.explicitNumber && numberSet.has(insert.write.customer_number)) {
        errors.push(...(customerNumberTaken().problem.errors ?? []));
      }
      if (insert.write.external_ids.some((x) => idSet.has(`${x.system}:${x.id}`))) {
        errors.push(EXTERNAL_ID_TAKEN);
      }
      if (errors.length > 0) taken.set(insert.rowNumber, errors);
    }
    return taken;
  }

  /**
   * Updates and merges: the cards locked in id order, each patched by the API's merge-patch
   * (an update writes the row's fields, a merge fills the card's empty ones), the changed ones
   * written in one statement with their updated events. An erased or merged card fails its row.
   */
  private async change(
    manager: EntityManager,
    tenantId: string,
    context: CommitContext,
    changes: { row: ImportRowRecord; action: 'update' | 'merge' }[],
    fail: (rowNumber: number, customerId: string | null, errors: FieldError[]) => void,
  ): Promise<RowResult[]> {
    if (changes.length === 0) return [];
    const ids = [...new Set(changes.map((c) => c.row.customer_id!))];
    const cards = new Map(
      (await this.repository.findManyForUpdate(manager, tenantId, ids)).map((c) => [c.id, c]),
    );
    const results: RowResult[] = [];
    const writes = new Map<string, { write: CustomerWrite; changed: string[] }>();
    for (const { row, action } of changes) {
      const id = row.customer_id!;
      // Two rows of a batch about one card: the second sees the first's write.
      const stored = cards.get(id);
      const pending = writes.get(id);
      const current = stored && pending ? { ...stored, ...pending.write } : stored;
      if (!current || current.status === 'erased' || current.status === 'merged') {
        fail(row.row_number, id, [
          {
            field: 'customerId',
            reason: current?.status === 'merged' ? 'customer-merged' : 'customer-erased',
            message: 'The customer this row was planned against no longer takes changes.',
          },
        ]);
        continue;
      }
      const patch = patchOf(action, current, row.planned!.customer);
      const built = mergePatch(context.tenant, current, patch);
      if (built.errors.length > 0) {
        fail(row.row_number, id, built.errors);
        continue;
      }
      const fields = changedFields(current, built.row, { patch, seesMasked: true });
      if (fields.length > 0) {
        writes.set(id, {
          write: built.row,
          changed: [...new Set([...(pending?.changed ?? []), ...fields])],
        });
      }
      results.push({
        rowNumber: row.row_number,
        result: action === 'merge' ? 'merged' : 'updated',
        customerId: id,
      });
    }
    if (writes.size > 0) {
      const { text, values } = updateCustomersStatement(
        tenantId,
        [...writes].map(([id, w]) => ({ id, write: w.write })),
        this.sensitive,
      );
      const [updated] = await manager.query<
        [
          {
            id: string;
            customer_number: string;
            status: 'active';
            station_ids: string[];
            version: number;
            email: string | null;
            phone: string | null;
          }[],
          number,
        ]
      >(text, values);
      const events: OutboxEvent[] = updated.map((facts) =>
        customerUpdatedEvent(context, tenantId, facts, writes.get(facts.id)!.changed),
      );
      await this.outbox.enqueue(manager, events);
    }
    return results;
  }

  /** The scan's job; without Redis the scan row stays queued and the next start queues it. */
  private async scanForDuplicates(tenantId: string, importId: string): Promise<void> {
    try {
      await addDuplicateScanJob(this.scans, tenantId);
    } catch (error) {
      this.logger.warn(
        `import ${importId}: the duplicate scan waits for the job queue (${(error as Error).message})`,
      );
    }
  }

  stop(): void {
    this.stopping = true;
  }

  beforeApplicationShutdown(): void {
    this.stop();
  }

  /** Logs a run's end by the import's id only. */
  logOutcome(importId: string, outcome: CommitOutcome): void {
    if (outcome === 'committed' || outcome === 'stopped') {
      this.logger.log(`import ${importId} commit ${outcome}`);
    }
  }
}

/**
 * The consent columns as a created event's decisions (the consents service records them, source
 * `import`), under the consent text named at upload; without one, under an unknown text
 * (`textId: null`), which the ledger shows as outdated: see docs/import.md, "Consents".
 */
function consentsOf(
  planned: PlannedImportRow,
  context: CommitContext,
  namedTextId: string | undefined,
): ConsentsGiven | undefined {
  if (!planned.consents) return undefined;
  const textId = namedTextId ?? null;
  const decisions: ConsentsGiven['decisions'] = [];
  const { emailMarketing, smsMarketing } = planned.consents;
  if (emailMarketing !== undefined) {
    decisions.push({
      purpose: 'marketing_email',
      decision: emailMarketing ? 'granted' : 'withdrawn',
      textId,
    });
  }
  if (smsMarketing !== undefined) {
    decisions.push({
      purpose: 'marketing_sms',
      decision: smsMarketing ? 'granted' : 'withdrawn',
      textId,
    });
  }
  return decisions.length > 0
    ? { source: 'import', recordedBy: context.userId, decisions }
    : undefined;
}

/** The relay of this process wakes when the transaction commits (see OUTBOX_WRITTEN). */
function markOutboxWritten(manager: EntityManager): void {
  if (manager.queryRunner)
    (manager.queryRunner.data as Record<string, unknown>)[OUTBOX_WRITTEN] = true;
}
