import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { DataExportView, PRIVACY } from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { HttpResult } from '../http/http-result';
import { IdempotencyKey } from '../http/idempotency-key';
import { UuidParam } from '../http/uuid-param';

/**
 * The data hand-over (Timma's "Luovuta tiedot", GDPR Art. 15 and 20): the privacy service
 * records it, gathers it from every service in a job and keeps the file; the gateway checks the
 * role (admins only) and turns the file into a download.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Controller()
export class DataExportsController {
  constructor(private readonly rpc: Rpc) {}

  @Post('customers/:id/data-export')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Hand over everything the system holds about a customer (admin)',
    description:
      'Starts a job that gathers, from every service, the card (sensitive fields in clear: the ' +
      'file is for the person), reminders, marketing flags, vehicles, visits with their notes ' +
      'and special requests, sales with their lines, the consent history with the texts, the ' +
      'preferences and the access audit of the record, into a ZIP of data.json (machine-readable) ' +
      "and data.xlsx (a sheet per table, headed in the tenant's language). Answers the export at " +
      'once; GET /privacy/exports/{id} shows its progress, /file downloads it when ready. The ' +
      'request is recorded in the access audit (action export), each download too (handover).',
  })
  @ApiAcceptedResponse({ type: DataExportView, description: 'The export, pending' })
  @ApiProblems([
    409,
    'customer-erased: the customer is erased; customer-merged: it was merged into survivorId',
  ])
  @IdempotencyKey()
  request(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
  ): Promise<DataExportView> {
    return this.rpc.call(PRIVACY.requestExport, caller, { customerId });
  }

  @Get('privacy/exports/:id')
  @Roles('admin')
  @ApiOperation({
    summary: "A data export's status and progress (admin)",
    description: 'Ids, times, the parts gathered and the size: no personal data.',
  })
  @ApiOkResponse({ type: DataExportView, description: 'The export' })
  get(
    @CurrentCaller() caller: Caller,
    @UuidParam('Data export') id: string,
  ): Promise<DataExportView> {
    return this.rpc.call(PRIVACY.getExport, caller, { id });
  }

  @Get('privacy/exports/:id/file')
  @Roles('admin')
  @ApiOperation({
    summary: "Download a ready data export's ZIP (admin)",
    description:
      'data.json and data.xlsx (services/privacy/README.md, "Data hand-over", documents the ' +
      'JSON). Each download is recorded in the access audit (action handover). Files are ' +
      'deleted after their days (expiresAt).',
  })
  @ApiProduces('application/zip')
  @ApiOkResponse({
    description: 'The ZIP, as an attachment',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
    headers: {
      'Content-Disposition': {
        description: 'attachment; filename="data-export-<id>.zip"',
        schema: { type: 'string' },
      },
    },
  })
  @ApiProblems(
    [409, 'export-not-ready: pending or running; export-failed: request a new export'],
    [410, 'export-expired: the file was deleted when its days were over'],
  )
  async file(
    @CurrentCaller() caller: Caller,
    @UuidParam('Data export') id: string,
  ): Promise<HttpResult<Buffer>> {
    const file = await this.rpc.call(PRIVACY.exportFile, caller, { id });
    return new HttpResult(Buffer.from(file.contentBase64, 'base64'), 200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${file.fileName}"`,
    });
  }
}
