import { Readable } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import type { FastifyRequest } from 'fastify';
import {
  CONSENTS,
  CUSTOMERS,
  CommitImportDto,
  IMPORT_CHUNK_MAX_BYTES,
  IMPORT_ENCODINGS,
  IMPORT_OUTCOMES,
  ImportOptionsDto,
  ImportPage,
  ImportRowPage,
  ImportTemplateQueryDto,
  ImportView,
  ListImportRowsQueryDto,
  ListImportsQueryDto,
  type FieldError,
} from '@kanta/contracts';
import {
  ProblemError,
  VALIDATION_ERROR_OPTIONS,
  fieldErrorsOfInstance,
  problemOfStatus,
  uuidv7,
} from '@kanta/platform';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { attachment, chunkedDownload } from '../http/file-download';
import { HttpResult } from '../http/http-result';
import { IdempotencyKey } from '../http/idempotency-key';
import { MultipartBody } from '../http/route-edge';
import { UuidParam } from '../http/uuid-param';

/** The gateway's largest import file (IMPORT_MAX_BYTES). */
export const IMPORT_MAX_BYTES = Symbol('IMPORT_MAX_BYTES');

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const OPTION_FIELDS = ['encoding', 'mapping', 'consentTextId', 'externalIdSystem'];

const refused = (errors: FieldError[]): ProblemError => ProblemError.validation(errors);

/**
 * Imports of customer registers (issue #16, docs/import.md): the customers service owns them; the
 * gateway checks the role, streams the upload to it in chunks over RPC (no shared disk) and
 * streams errors.xlsx back the same way.
 */
@ApiTags('imports')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Roles('admin')
@Controller('imports')
export class ImportsController {
  constructor(
    private readonly rpc: Rpc,
    @Inject(IMPORT_MAX_BYTES) private readonly maxBytes: number,
  ) {}

  @Post()
  @HttpCode(202)
  @MultipartBody()
  @ApiOperation({
    summary: 'Upload a customer register; its dry run plans every row',
    description:
      'multipart/form-data: the options as fields before the file, the file in `file` (CSV or ' +
      'XLSX, recognised by its bytes; a legacy XLS is refused with 415: save it as XLSX). ' +
      'Answers the import at once, planning; GET /imports/{id} follows it, GET ' +
      '/imports/{id}/rows lists the planned rows, errors.xlsx gives back the rows with errors.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['file'],
      properties: {
        encoding: {
          type: 'string',
          enum: [...IMPORT_ENCODINGS],
          description: "A CSV's encoding; detected when absent",
        },
        mapping: {
          type: 'string',
          description:
            'JSON object: header → field (or null to ignore the column); overrides the ' +
            'recognised headers',
        },
        consentTextId: {
          type: 'string',
          format: 'uuid',
          description: 'The consent text the consent columns were given under',
        },
        externalIdSystem: {
          type: 'string',
          maxLength: 50,
          pattern: '^[a-z0-9][a-z0-9._-]*$',
          description: 'The system the externalId column names customers in (default import)',
        },
        file: { type: 'string', format: 'binary', description: 'The register, CSV or XLSX' },
      },
    },
  })
  @ApiAcceptedResponse({ type: ImportView, description: 'The import, planning' })
  @ApiProblems(
    [403, 'Only for the admins of a tenant'],
    [413, 'import-file-too-large: the file is larger than IMPORT_MAX_BYTES'],
    [
      415,
      'Not multipart/form-data; or import-xls-unsupported: a legacy XLS (save it as XLSX or CSV)',
    ],
    [
      422,
      'No file; an invalid option (encoding, mapping, consentTextId, externalIdSystem); or a ' +
        'file that cannot be read (empty, a header only, binary, duplicate headers…)',
    ],
  )
  async upload(
    @CurrentCaller() caller: Caller,
    @Req() request: FastifyRequest,
  ): Promise<ImportView> {
    if (!request.isMultipart()) {
      throw ProblemError.of(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        'Send the file as multipart/form-data, in the field file.',
      );
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    // The multipart framing adds a few hundred bytes to the file.
    if (declared > this.maxBytes + 64 * 1024) throw this.tooLarge();
    // Each chunk is a write of its own, made idempotent by its offset, not by the request's key.
    const chunkCaller = { context: caller.context };
    const fields: Record<string, string> = {};
    let upload: { uploadId: string; size: number } | null = null;
    let options: ImportOptionsDto | null = null;
    const uploadId = uuidv7();
    let sending = false;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          const field = part;
          if (!OPTION_FIELDS.includes(field.fieldname)) {
            throw refused([
              {
                field: field.fieldname,
                reason: 'unknown_field',
                message: `${field.fieldname} is not a known field`,
              },
            ]);
          }
          if (upload) {
            throw refused([
              {
                field: field.fieldname,
                reason: 'after_file',
                message: `${field.fieldname} must come before the file`,
              },
            ]);
          }
          fields[field.fieldname] = String(field.value);
          continue;
        }
        const file = part;
        if (file.fieldname !== 'file' || upload) {
          throw refused([
            {
              field: file.fieldname,
              reason: 'unknown_field',
              message: 'send one file, in the field file',
            },
          ]);
        }
        options = await this.options(caller, fields);
        sending = true;
        upload = await this.streamFile(chunkCaller, uploadId, file);
      }
    } catch (error) {
      // What was sent of a refused upload is not left behind (best effort: it expires anyway).
      if (sending) {
        await this.rpc
          .call(CUSTOMERS.deleteImport, chunkCaller, { id: uploadId })
          .catch(() => null);
      }
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw this.tooLarge();
      if (error instanceof ProblemError) throw error;
      const status = (error as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        throw new ProblemError(problemOfStatus(status, 'The multipart body could not be read.'));
      }
      throw error;
    }
    if (!upload || !options) {
      throw refused([{ field: 'file', reason: 'required', message: 'file is required' }]);
    }
    return this.rpc.call(CUSTOMERS.startImport, chunkCaller, {
      uploadId: upload.uploadId,
      sizeBytes: upload.size,
      options,
    });
  }

  @Get()
  @ApiOperation({
    summary: "The tenant's imports, newest first",
    description: 'Pass nextCursor as cursor for the next page.',
  })
  @ApiOkResponse({ type: ImportPage })
  list(@CurrentCaller() caller: Caller, @Query() query: ListImportsQueryDto): Promise<ImportPage> {
    return this.rpc.call(CUSTOMERS.listImports, caller, query);
  }

  @Get('template')
  @ApiOperation({
    summary: 'The import template (XLSX)',
    description:
      'Headers in the locale (default the tenant’s), the required columns marked, a sheet ' +
      'explaining each column with an example, drop-downs where a column has fixed values; ' +
      'vehicles=false leaves out the vehicle columns.',
  })
  @ApiProduces(XLSX)
  @ApiOkResponse({
    description: 'The template, as an attachment',
    content: { [XLSX]: { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems([403, 'Only for the admins of a tenant'], [422, 'An unknown locale'])
  async template(
    @CurrentCaller() caller: Caller,
    @Query() query: ImportTemplateQueryDto,
  ): Promise<HttpResult<Buffer>> {
    const file = await this.rpc.call(CUSTOMERS.importTemplate, caller, {
      locale: query.locale ?? caller.context.tenant?.locale ?? 'en',
      vehicles: query.vehicles ?? true,
    });
    return new HttpResult(Buffer.from(file.chunkBase64, 'base64'), 200, {
      'Content-Type': file.contentType,
      'Content-Disposition': attachment(file.fileName),
    });
  }

  @Get(':id')
  @ApiOperation({
    summary: "An import's status, progress, counts per outcome and warnings",
  })
  @ApiOkResponse({ type: ImportView })
  @ApiProblems([403, 'Only for the admins of a tenant'], [404, 'Import not found'])
  get(@CurrentCaller() caller: Caller, @UuidParam('Import') id: string): Promise<ImportView> {
    return this.rpc.call(CUSTOMERS.getImport, caller, { id });
  }

  @Get(':id/rows')
  @ApiOperation({
    summary: "An import's planned rows, by row number",
    description:
      `outcome (${IMPORT_OUTCOMES.join(', ')}) keeps the rows of one outcome. Each row: its ` +
      'number in the file, its outcome, the customer it updates or duplicates, the earlier row ' +
      'a duplicate in the file repeats, its errors (field and reason). Pass nextCursor as ' +
      'cursor for the next page.',
  })
  @ApiOkResponse({ type: ImportRowPage })
  @ApiProblems(
    [403, 'Only for the admins of a tenant'],
    [404, 'Import not found'],
    [422, 'An unknown outcome, or a cursor this API did not issue'],
  )
  rows(
    @CurrentCaller() caller: Caller,
    @UuidParam('Import') id: string,
    @Query() query: ListImportRowsQueryDto,
  ): Promise<ImportRowPage> {
    return this.rpc.call(CUSTOMERS.importRows, caller, { ...query, id });
  }

  @Get(':id/errors.xlsx')
  @ApiOperation({
    summary: 'The rows with errors, as uploaded, with an error column',
    description:
      'To fix and upload again. Cells starting with = + - @ are written as text, never as ' +
      'formulas.',
  })
  @ApiProduces(XLSX)
  @ApiOkResponse({
    description: 'The file, as an attachment',
    content: { [XLSX]: { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems(
    [403, 'Only for the admins of a tenant'],
    [404, 'Import not found, or it has no rows with errors'],
    [409, 'import-not-planned: the dry run is still running'],
  )
  async errors(
    @CurrentCaller() caller: Caller,
    @UuidParam('Import') id: string,
  ): Promise<HttpResult<Readable>> {
    // The first chunk answers the problems before any header is sent.
    const first = await this.rpc.call(CUSTOMERS.importErrorsFile, caller, { id });
    return chunkedDownload(first, (offset) =>
      this.rpc.call(CUSTOMERS.importErrorsFile, caller, { id, offset }),
    );
  }

  @Post(':id/commit')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Commit a planned import (admin)',
    description:
      'Applies the dry run’s plan in batches, in row order: new customers (origin import), ' +
      'updates of the customers the rows name, and for rows planned as duplicates of existing ' +
      'customers the `duplicates` policy: skip them, create them, or merge them into the ' +
      'existing customer (its empty fields filled, the row’s vehicle given to it). Vehicles are ' +
      'created by the vehicles service from each batch. GET /imports/{id} follows the progress; ' +
      'the import is `committed` when its customers and vehicles are. DELETE stops it after the ' +
      'current batch (what is committed stays).',
  })
  @ApiAcceptedResponse({ type: ImportView, description: 'The import, committing' })
  @ApiProblems(
    [403, 'A worker'],
    [404, 'Import not found'],
    [409, 'import-not-planned: still planning, committing, committed, cancelled or failed'],
    [422, 'duplicates missing or not one of skip, create, merge'],
  )
  @IdempotencyKey()
  commit(
    @CurrentCaller() caller: Caller,
    @UuidParam('Import') id: string,
    @Body() body: CommitImportDto,
  ): Promise<ImportView> {
    return this.rpc.call(CUSTOMERS.commitImport, caller, { id, commit: body });
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Cancel an import (a dry run or a running commit), or delete a finished one’s files',
    description:
      'What a commit already wrote stays; the import says how many rows. A dry run’s planned ' +
      'rows are deleted with it.',
  })
  @ApiOkResponse({ type: ImportView })
  @ApiProblems([403, 'Only for the admins of a tenant'], [404, 'Import not found'])
  delete(@CurrentCaller() caller: Caller, @UuidParam('Import') id: string): Promise<ImportView> {
    return this.rpc.call(CUSTOMERS.deleteImport, { context: caller.context }, { id });
  }

  /**
   * The upload's options, checked by their DTO before any byte of the file is sent, and the
   * consent text they name by the consents service (a text of another tenant or none: 422 on
   * consentTextId, not every imported customer's consents refused later).
   */
  private async options(caller: Caller, fields: Record<string, string>): Promise<ImportOptionsDto> {
    const plain: Record<string, unknown> = { ...fields };
    if (fields.mapping !== undefined) {
      try {
        plain.mapping = JSON.parse(fields.mapping) as unknown;
      } catch {
        throw refused([
          {
            field: 'mapping',
            reason: 'invalid_format',
            message: 'mapping must be a JSON object of header → field',
          },
        ]);
      }
    }
    const options = plainToInstance(ImportOptionsDto, plain);
    const errors = await fieldErrorsOfInstance(options, {
      whitelist: true,
      forbidNonWhitelisted: true,
      validationError: VALIDATION_ERROR_OPTIONS,
    });
    if (errors.length > 0) throw refused(errors);
    if (options.consentTextId) await this.knownConsentText(caller, options.consentTextId);
    return options;
  }

  private async knownConsentText(caller: Caller, id: string): Promise<void> {
    try {
      await this.rpc.call(CONSENTS.getText, caller, { id });
    } catch (error) {
      if (error instanceof ProblemError && error.status === 404) {
        throw refused([
          {
            field: 'consentTextId',
            reason: 'unknown_text',
            message: 'consentTextId must be a consent text of your tenant',
          },
        ]);
      }
      throw error;
    }
  }

  /** Sends the file to the customers service in chunks of IMPORT_CHUNK_MAX_BYTES, in order. */
  private async streamFile(
    caller: Pick<Caller, 'context'>,
    uploadId: string,
    file: MultipartFile,
  ): Promise<{ uploadId: string; size: number }> {
    const fileName = (file.filename || 'import').slice(0, 255);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let offset = 0;
    const send = async (bytes: Buffer): Promise<void> => {
      await this.rpc.call(CUSTOMERS.uploadImportChunk, caller, {
        uploadId,
        fileName,
        offset,
        chunkBase64: bytes.toString('base64'),
      });
      offset += bytes.length;
    };
    for await (const data of file.file) {
      pending.push(data as Buffer);
      pendingBytes += (data as Buffer).length;
      while (pendingBytes >= IMPORT_CHUNK_MAX_BYTES) {
        const all = Buffer.concat(pending);
        await send(all.subarray(0, IMPORT_CHUNK_MAX_BYTES));
        pending = [all.subarray(IMPORT_CHUNK_MAX_BYTES)];
        pendingBytes = pending[0].length;
      }
    }
    if (file.file.truncated) throw this.tooLarge();
    // The last chunk, or the only one (an empty file is sent too, and refused by its reader).
    if (pendingBytes > 0 || offset === 0) await send(Buffer.concat(pending));
    return { uploadId, size: offset };
  }

  private tooLarge(): ProblemError {
    return ProblemError.of(
      413,
      'import-file-too-large',
      'Import file too large',
      `An import file may have at most ${this.maxBytes} bytes.`,
    );
  }
}
