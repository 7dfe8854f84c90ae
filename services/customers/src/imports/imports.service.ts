import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_IMPORT_EXTERNAL_ID_SYSTEM,
  isUuid,
  problemType,
  type CallerContext,
  type ImportFileChunk,
  type ImportOptionsDto,
  type ImportPage,
  type ImportRowPage,
  type ImportRowsQuery,
  type ImportUploadProgress,
  type ImportView,
  type ListImportsQueryDto,
  type Locale,
  type StartImportCommand,
  type UploadImportChunkCommand,
} from '@kanta/contracts';
import {
  RpcProblem,
  decodeKeysetCursor,
  encodeKeysetCursor,
  idBeforeCursor,
  requireTenant,
  type CallerTenant,
} from '@kanta/platform';
import { ImportFiles } from './import-files';
import { ImportJobs } from './import-jobs';
import {
  IMPORT_FILE_READER,
  isImportFileProblem,
  type ImportFileProblemLike,
  type ImportFileReader,
} from './import-reader';
import { ImportsRepository, toImportView, type ImportRow } from './imports.repository';

export const IMPORT_MAX_BYTES = Symbol('IMPORT_MAX_BYTES');
export const DEFAULT_IMPORT_MAX_BYTES = 256 * 1024 * 1024;

const DEFAULT_PAGE_SIZE = 25;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const FILE_PROBLEM_TITLES: Record<number, string> = {
  413: 'Import file too large',
  415: 'Import file type not supported',
  422: 'Import file refused',
};

/** Imports are the tenant's admins' (workers 403; a caller outside any tenant 403 too). */
function requireImportAdmin(context: CallerContext): CallerTenant {
  const tenant = requireTenant(context);
  if (context.role === 'worker') {
    throw RpcProblem.forbidden('Only an admin may import customers.');
  }
  return tenant;
}

/**
 * Imports as the caller sees them (docs/import.md): an upload received chunk by chunk, started
 * (its file opened at once, so a file that cannot be read is refused before the 202), followed,
 * listed, its planned rows paged, its errors.xlsx downloaded, cancelled. Another tenant's import
 * does not exist for the caller (404).
 *
 * Neither write records its command: a chunk is written at its offset (sent again, the same
 * bytes) and a start moves an upload to planning once (sent again, it answers the import).
 */
@Injectable()
export class Imports {
  constructor(
    private readonly repository: ImportsRepository,
    private readonly files: ImportFiles,
    private readonly jobs: ImportJobs,
    @Inject(IMPORT_FILE_READER) private readonly reader: ImportFileReader,
    @Inject(IMPORT_MAX_BYTES) private readonly maxBytes: number,
  ) {}

  async uploadChunk(
    context: CallerContext,
    data: UploadImportChunkCommand,
  ): Promise<ImportUploadProgress> {
    const tenant = requireImportAdmin(context);
    const bytes = Buffer.from(data.chunkBase64, 'base64');
    if (data.offset + bytes.length > this.maxBytes) throw this.tooLarge();
    const found =
      data.offset === 0
        ? await this.repository.createUpload(
            tenant.id,
            data.uploadId,
            context.userId,
            data.fileName,
          )
        : await this.repository.find(tenant.id, data.uploadId);
    if (!found) throw RpcProblem.notFound('Import');
    if (found.status !== 'uploading') {
      throw RpcProblem.conflict(
        'import-not-uploading',
        'Import not uploading',
        `The import is ${found.status}: its file can no longer be sent.`,
      );
    }
    const size = await this.files.uploadedSize(tenant.id, found.id);
    if (data.offset > size) {
      throw RpcProblem.conflict(
        'import-upload-gap',
        'Upload chunk out of order',
        `The upload has ${size} bytes: a chunk at ${data.offset} would leave a gap.`,
      );
    }
    const received = await this.files.writeChunk(tenant.id, found.id, data.offset, bytes);
    await this.repository.setUploadedSize(tenant.id, found.id, received);
    return { uploadId: found.id, received };
  }

  async start(context: CallerContext, data: StartImportCommand): Promise<ImportView> {
    const tenant = requireImportAdmin(context);
    const found = await this.repository.find(tenant.id, data.uploadId);
    if (!found) throw RpcProblem.notFound('Import');
    if (found.status !== 'uploading') {
      // Sent again: what the first start did.
      if (found.status === 'failed' && found.problem) throw new RpcProblem(found.problem);
      return toImportView(found);
    }
    const path = this.files.uploadPath(tenant.id, found.id);
    const size = await this.files.uploadedSize(tenant.id, found.id);
    if (size !== data.sizeBytes) {
      throw RpcProblem.conflict(
        'import-upload-incomplete',
        'Upload incomplete',
        `The upload has ${size} of ${data.sizeBytes} bytes: send the rest before starting it.`,
      );
    }
    const options = withDefaults(data.options);
    let opened;
    try {
      opened = await this.reader.open(
        path,
        { encoding: options.encoding, mapping: options.mapping },
        tenant.locale,
      );
    } catch (error) {
      if (!isImportFileProblem(error)) throw error;
      const problem = this.fileProblem(error, tenant.locale);
      await this.repository.fail(tenant.id, found.id, problem.problem);
      await this.files.removeUpload(tenant.id, found.id);
      throw problem;
    }
    await opened.close();
    const started = await this.repository.startPlanning(tenant.id, found.id, {
      sha256: await sha256Of(path),
      size,
      format: opened.format,
      encoding: opened.encoding,
      separator: opened.separator,
      options: { ...options, tenant },
      warnings: opened.warnings,
    });
    if (!started) return this.get(context, found.id);
    await this.jobs.schedulePlan(tenant.id, found.id);
    return toImportView(started);
  }

  async get(context: CallerContext, id: string): Promise<ImportView> {
    return toImportView(await this.visible(context, id));
  }

  async list(context: CallerContext, query: ListImportsQueryDto): Promise<ImportPage> {
    const tenant = requireImportAdmin(context);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.list(tenant.id, idBeforeCursor(query.cursor), limit + 1);
    const items = rows.slice(0, limit).map(toImportView);
    return {
      items,
      nextCursor: rows.length > limit ? encodeKeysetCursor([items[items.length - 1].id]) : null,
    };
  }

  async rows(context: CallerContext, query: ImportRowsQuery): Promise<ImportRowPage> {
    const found = await this.visible(context, query.id);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor
      ? Number(
          decodeKeysetCursor(
            query.cursor,
            (parts) => parts.length === 1 && /^\d{1,9}$/.test(parts[0]),
          )[0],
        )
      : 0;
    const rows = await this.repository.rows(
      found.tenant_id,
      found.id,
      query.outcome ?? null,
      after,
      limit + 1,
    );
    const items = rows.slice(0, limit);
    return {
      items,
      nextCursor:
        rows.length > limit
          ? encodeKeysetCursor([String(items[items.length - 1].rowNumber)])
          : null,
    };
  }

  /** A chunk of errors.xlsx: 409 before the import is planned, 404 when it has no error rows. */
  async errorsFile(context: CallerContext, id: string, offset = 0): Promise<ImportFileChunk> {
    const found = await this.visible(context, id);
    if (found.status === 'uploading' || found.status === 'planning') {
      throw RpcProblem.conflict(
        'import-not-planned',
        'Import not planned',
        `The import is ${found.status}: its errors can be downloaded once it is planned.`,
      );
    }
    const chunk = await this.files.errorsChunk(found.tenant_id, found.id, offset);
    if (!chunk) {
      throw RpcProblem.notFound(
        'Errors file',
        found.n_error === 0
          ? 'The import has no rows with errors.'
          : "The import's errors file was deleted with the import.",
      );
    }
    const next = offset + chunk.bytes.length;
    return {
      fileName: `${baseName(found.file_name)}-errors.xlsx`,
      contentType: XLSX_TYPE,
      sizeBytes: chunk.size,
      chunkBase64: chunk.bytes.toString('base64'),
      nextOffset: next < chunk.size ? next : null,
    };
  }

  async template(
    context: CallerContext,
    locale: Locale,
    vehicles: boolean,
  ): Promise<ImportFileChunk> {
    requireImportAdmin(context);
    const bytes = await this.reader.template(locale, vehicles);
    return {
      fileName: `kanta-import-${locale}.xlsx`,
      contentType: XLSX_TYPE,
      sizeBytes: bytes.length,
      chunkBase64: bytes.toString('base64'),
      nextOffset: null,
    };
  }

  /**
   * Cancels an import being uploaded, planned or committed (what a commit wrote stays; its counts
   * say how much); a dry run's rows and files go with it. A finished import's files are deleted.
   */
  async delete(context: CallerContext, id: string): Promise<ImportView> {
    const found = await this.visible(context, id);
    const cancelled = await this.repository.cancel(found.tenant_id, found.id);
    if (cancelled && found.status !== 'committing') {
      await this.repository.deleteRows(found.tenant_id, found.id);
    }
    await this.files.removeAll(found.tenant_id, found.id);
    return toImportView(cancelled ?? found);
  }

  private async visible(context: CallerContext, id: string): Promise<ImportRow> {
    const tenant = requireImportAdmin(context);
    const found = isUuid(id) ? await this.repository.find(tenant.id, id) : null;
    if (!found) throw RpcProblem.notFound('Import');
    return found;
  }

  private tooLarge(): RpcProblem {
    return new RpcProblem({
      type: problemType('import-file-too-large'),
      title: FILE_PROBLEM_TITLES[413],
      status: 413,
      detail: `An import file may have at most ${this.maxBytes} bytes.`,
    });
  }

  private fileProblem(error: ImportFileProblemLike, locale: Locale): RpcProblem {
    const message = this.reader.message(error.code, locale, error.params);
    return new RpcProblem({
      type: problemType(error.code),
      title: FILE_PROBLEM_TITLES[error.status] ?? 'Import file refused',
      status: error.status,
      detail: message,
      ...(error.field ? { errors: [{ field: error.field, reason: error.code, message }] } : {}),
    });
  }
}

function withDefaults(options: ImportOptionsDto): ImportOptionsDto {
  return {
    ...options,
    externalIdSystem: options.externalIdSystem ?? DEFAULT_IMPORT_EXTERNAL_ID_SYSTEM,
  };
}

function baseName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return (dot > 0 ? fileName.slice(0, dot) : fileName).replace(/[^\p{L}\p{N}._-]+/gu, '_');
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
