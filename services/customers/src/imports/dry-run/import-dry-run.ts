import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { problemType, type Locale } from '@kanta/contracts';
import { XlsxWriter } from '@kanta/reports';
import { FieldRulesService } from '../../field-rules/field-rules.service';
import { ImportFiles } from '../import-files';
import { ImportLeases } from '../import-leases';
import {
  IMPORT_FILE_READER,
  isImportFileProblem,
  type ImportFileReader,
  type OpenedImportFile,
} from '../import-reader';
import { ImportsRepository, type ImportRow } from '../imports.repository';
import { ImportPlanner, SeenKeys } from './import-planner';

/**
 * Rows planned per batch: one statement for the customers named, one for the duplicate matcher
 * and one that writes the batch's rows with the import's progress, whatever the batch's size.
 */
export const PLAN_BATCH_ROWS = 2_000;
/** Error rows read per page when errors.xlsx is written. */
const ERROR_PAGE_ROWS = 5_000;

export type DryRunOutcome = 'planned' | 'busy' | 'skipped' | 'cancelled' | 'failed';

const ERRORS_SHEET: Record<Locale, { sheet: string; error: string; row: string }> = {
  fi: { sheet: 'Virheet', error: 'Virhe', row: 'Rivi' },
  pl: { sheet: 'Błędy', error: 'Błąd', row: 'Wiersz' },
  fr: { sheet: 'Erreurs', error: 'Erreur', row: 'Ligne' },
  uk: { sheet: 'Помилки', error: 'Помилка', row: 'Рядок' },
  en: { sheet: 'Errors', error: 'Error', row: 'Row' },
};

/**
 * The dry run of an import (docs/import.md): reads the uploaded file in batches, plans every row
 * (ImportPlanner) and writes the rows with the import's progress, batch by batch; then the error
 * rows' errors.xlsx, and deletes the upload. Under the import's lease: a run whose process was
 * killed is taken up again by its job, which plans the file again from the start (the rows and
 * counts of the dead run are cleared first), so every row is planned once.
 */
@Injectable()
export class ImportDryRun {
  private readonly logger = new Logger('ImportDryRun');

  constructor(
    private readonly repository: ImportsRepository,
    private readonly planner: ImportPlanner,
    private readonly files: ImportFiles,
    private readonly leases: ImportLeases,
    private readonly fieldRules: FieldRulesService,
    @Inject(IMPORT_FILE_READER) private readonly reader: ImportFileReader,
  ) {}

  async run(tenantId: string, importId: string): Promise<DryRunOutcome> {
    if (!(await this.leases.take(importId))) return 'busy';
    try {
      const found = await this.repository.find(tenantId, importId);
      if (!found || found.status !== 'planning') return 'skipped';
      if (!(await this.repository.restartPlan(tenantId, importId))) return 'skipped';
      return await this.plan(found);
    } finally {
      await this.leases.release(importId);
    }
  }

  private async plan(row: ImportRow): Promise<DryRunOutcome> {
    const { tenant_id: tenantId, id } = row;
    const tenant = row.options.tenant;
    if (!tenant) throw new Error(`import ${id} has no tenant settings`);
    const locale = tenant.locale;
    let opened: OpenedImportFile;
    try {
      opened = await this.reader.open(
        this.files.uploadPath(tenantId, id),
        { encoding: row.options.encoding, mapping: row.options.mapping },
        locale,
      );
    } catch (error) {
      if (!isImportFileProblem(error)) throw error;
      await this.repository.fail(tenantId, id, {
        type: problemType(error.code),
        title: 'Import file unreadable',
        status: error.status,
        detail: this.reader.message(error.code, locale, error.params),
      });
      await this.files.removeUpload(tenantId, id);
      return 'failed';
    }
    const context = {
      tenant,
      externalIdSystem: row.options.externalIdSystem ?? 'import',
      fieldRules: await this.fieldRules.rulesFor(tenantId),
      message: (code: string, params?: Record<string, unknown>) =>
        this.reader.message(code, locale, params),
    };
    const seen = new SeenKeys();
    const previous = await this.planner.previousImport(tenantId, id, row.file_sha256);
    const started = Date.now();
    let rows = 0;
    let errors = 0;
    // Two stages overlapped: a batch is written (by PostgreSQL, on its own connection) while the
    // next one is read, checked and matched. At most one write is in flight; a cancelled import
    // is seen one batch later, and that batch is not written.
    let writing: Promise<boolean> | null = null;
    try {
      for await (const batch of opened.batches(PLAN_BATCH_ROWS)) {
        const plans = await this.planner.planBatch(tenantId, batch, context, seen, previous);
        if (writing && !(await writing)) return 'cancelled';
        writing = this.repository.savePlannedBatch(tenantId, id, plans, 0);
        // Awaited below; a failure while the next batch is planned is not unhandled.
        writing.catch(() => undefined);
        rows += plans.length;
        for (const plan of plans) if (plan.outcome === 'error') errors++;
      }
      if (writing && !(await writing)) return 'cancelled';
    } catch (error) {
      // No write outlives the run: the lease is released after it, and a run taking the import
      // up again clears its rows first.
      await writing?.catch(() => undefined);
      throw error;
    }
    if (errors > 0)
      await this.writeErrorsFile(tenantId, id, opened.headers, locale, tenant.timeZone);
    if (!(await this.repository.finishPlan(tenantId, id))) return 'cancelled';
    await this.files.removeUpload(tenantId, id);
    const seconds = (Date.now() - started) / 1000;
    this.logger.log(
      `import ${id}: ${rows} rows planned in ${seconds.toFixed(1)} s (${errors} with errors)`,
    );
    return 'planned';
  }

  /** The error rows as uploaded, with an error column (libs/reports: formulas neutralised). */
  private async writeErrorsFile(
    tenantId: string,
    id: string,
    headers: string[],
    locale: Locale,
    timeZone: string,
  ): Promise<void> {
    const labels = ERRORS_SHEET[locale];
    const path = this.files.errorsPath(tenantId, id);
    const out = createWriteStream(`${path}.part`);
    try {
      const book = new XlsxWriter(out, { locale, timeZone });
      const sheet = book.addSheet(labels.sheet, [
        { header: labels.row, type: 'number', width: 8 },
        ...headers.map((header) => ({ header, type: 'text' as const })),
        { header: labels.error, type: 'text' as const, width: 60 },
      ]);
      let after = 0;
      for (;;) {
        const page = await this.repository.errorRows(tenantId, id, after, ERROR_PAGE_ROWS);
        for (const row of page) {
          const cells = headers.map((_, i) => row.raw?.[i] ?? '');
          const error = row.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
          await sheet.addRow([row.row_number, ...cells, error]);
        }
        if (page.length < ERROR_PAGE_ROWS) break;
        after = page[page.length - 1].row_number;
      }
      await book.finish();
      await finished(out);
      await rename(`${path}.part`, path);
    } catch (error) {
      out.destroy();
      await rm(`${path}.part`, { force: true });
      throw error;
    }
  }
}
