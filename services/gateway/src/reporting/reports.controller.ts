import { Readable } from 'node:stream';
import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import {
  ListReportsQueryDto,
  REPORTING,
  ReportPage,
  ReportView,
  RequestReportDto,
} from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { chunkedDownload } from '../http/file-download';
import { HttpResult } from '../http/http-result';
import { IdempotencyKey } from '../http/idempotency-key';
import { UuidParam } from '../http/uuid-param';

/**
 * Report jobs (issue #15): the reporting service records a report, writes its file in a job from
 * its read model and keeps the file for its days; the gateway checks the role and streams the
 * file, chunk by chunk over RPC, as a download.
 */
@ApiTags('reports')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Roles('admin', 'worker')
@Controller('reports')
export class ReportsController {
  constructor(private readonly rpc: Rpc) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a report; it is written by a job',
    description:
      'type registry (Timma/FixIQ): name, phone, address, postal code, city, notes, the marketing ' +
      'consents granted, created at (a date in the tenant’s time zone), customer number and id; ' +
      'the XLSX adds a sheet of their vehicles (plate, VIN, owner or proxy). An admin gets the ' +
      'whole tenant (or criteria.regularOfUserId’s regulars), a worker only the customers whose ' +
      'regular staff member they are. The other types are for admins (see `type` and ' +
      '`criteria`): customers (the customer search’s matches, with their visits), ' +
      'online-bookings-pending, marketing-audience and visits-summary. Headers, sheet names and ' +
      "the file name are in `locale` (default the tenant's). Answers the report at once, queued; " +
      'GET /reports/{id} follows it.',
  })
  @ApiAcceptedResponse({ type: ReportView, description: 'The report, queued' })
  @ApiProblems(
    [
      403,
      'A worker naming another user in criteria.regularOfUserId, or asking for a type other ' +
        'than registry',
    ],
    [422, 'An unknown type, format or locale, or criteria the type does not take (criteria.…)'],
  )
  @IdempotencyKey()
  request(@CurrentCaller() caller: Caller, @Body() body: RequestReportDto): Promise<ReportView> {
    return this.rpc.call(REPORTING.requestReport, caller, body);
  }

  @Get()
  @ApiOperation({
    summary: 'Your own reports, newest first',
    description: 'Pass nextCursor as cursor for the next page.',
  })
  @ApiOkResponse({ type: ReportPage })
  list(@CurrentCaller() caller: Caller, @Query() query: ListReportsQueryDto): Promise<ReportPage> {
    return this.rpc.call(REPORTING.listReports, caller, query);
  }

  @Get(':id')
  @ApiOperation({
    summary: "A report's status, progress and the freshness of its data",
    description:
      'An admin sees the tenant’s reports, a worker their own. freshness: the time of the ' +
      'newest event the read model had applied when the report was written; catchUp: whether ' +
      'it first caught up with everything committed before it started, and if not, which ' +
      'sources it may lack and how far their events had been applied.',
  })
  @ApiOkResponse({ type: ReportView })
  @ApiProblems([404, 'Report not found'])
  get(@CurrentCaller() caller: Caller, @UuidParam('Report') id: string): Promise<ReportView> {
    return this.rpc.call(REPORTING.getReport, caller, { id });
  }

  @Get(':id/file')
  @ApiOperation({
    summary: "Download a done report's file",
    description:
      'CSV (UTF-8 with BOM; `;` for fi, pl, fr, uk, `,` for en) or XLSX, named in the report’s ' +
      'language (asiakasrekisteri-2026-12-07.xlsx). Files are deleted after their days ' +
      '(expiresAt) or when a customer in them is erased.',
  })
  @ApiProduces('text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({
    description: 'The file, as an attachment',
    content: {
      'text/csv': { schema: { type: 'string', format: 'binary' } },
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
        schema: { type: 'string', format: 'binary' },
      },
    },
    headers: {
      'Content-Disposition': {
        description: 'attachment; filename="<name>"; filename*=UTF-8\'\'<name>',
        schema: { type: 'string' },
      },
    },
  })
  @ApiProblems(
    [404, 'Report not found'],
    [409, 'report-not-done: queued, running, failed or cancelled'],
    [410, 'report-expired: the file was deleted (its days were over, or a customer was erased)'],
  )
  async file(
    @CurrentCaller() caller: Caller,
    @UuidParam('Report') id: string,
  ): Promise<HttpResult<Readable>> {
    // The first chunk answers the problems (409, 410) before any header is sent.
    const first = await this.rpc.call(REPORTING.reportFile, caller, { id });
    return chunkedDownload(first, (offset) =>
      this.rpc.call(REPORTING.reportFile, caller, { id, offset }),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Cancel a queued or running report, or delete a finished one and its file',
  })
  @ApiNoContentResponse({ description: 'Cancelled (it stays, cancelled) or deleted' })
  @ApiProblems([404, 'Report not found'])
  @IdempotencyKey()
  async delete(@CurrentCaller() caller: Caller, @UuidParam('Report') id: string): Promise<void> {
    await this.rpc.call(REPORTING.deleteReport, caller, { id });
  }
}
