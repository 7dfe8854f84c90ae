import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AccessLogPage,
  CustomerReportPage,
  ListAccessLogQueryDto,
  PageQueryDto,
  PRIVACY,
  REPORTING,
} from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { UuidParam } from '../http/uuid-param';

const FILTERS =
  'Newest first; userId, action (view, search, edit, erase, merge, export, handover), ' +
  'from (inclusive) and to (exclusive) narrow it; pass nextCursor as cursor for the next page. ' +
  'Ids, roles, times and request ids only: an entry holds no personal data. Accesses reach the ' +
  'log within a second.';

/**
 * The audits, for admins: the access audit kept by the privacy service (what the gateway
 * recorded), and the report audit the reporting service answers from its manifests and downloads
 * (which reports named a customer, who took them). Reads of the audits record no access entry:
 * they show ids, codes and times, never the person's data.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Roles('admin')
@Controller()
export class AuditController {
  constructor(private readonly rpc: Rpc) {}

  @Get('audit')
  @ApiOperation({
    summary: "Who viewed, searched into, edited or erased your tenant's customers (admin)",
    description: FILTERS,
  })
  @ApiOkResponse({ type: AccessLogPage })
  list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListAccessLogQueryDto,
  ): Promise<AccessLogPage> {
    return this.rpc.call(PRIVACY.listAccess, caller, { ...query });
  }

  @Get('customers/:id/access-log')
  @ApiOperation({
    summary: 'Who viewed, found, edited or erased this customer (admin)',
    description: `${FILTERS} A customer nobody accessed, or not of your tenant, has none.`,
  })
  @ApiOkResponse({ type: AccessLogPage })
  ofCustomer(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
    @Query() query: ListAccessLogQueryDto,
  ): Promise<AccessLogPage> {
    return this.rpc.call(PRIVACY.listAccess, caller, { ...query, customerId });
  }

  @Get('customers/:id/reports')
  @ApiOperation({
    summary: 'Which reports contained this customer, and who downloaded them (admin)',
    description:
      'The reports whose file named the customer (their manifest), newest first: type, format, ' +
      'status, who asked when, when it was done, and each download of the file (user, role, ' +
      'time), newest first. Kept after the file is gone (expired, erased or deleted). A customer ' +
      'in no report, or not of your tenant, has none. Pass nextCursor as cursor for the next ' +
      'page. Ids, codes and times only.',
  })
  @ApiOkResponse({ type: CustomerReportPage })
  @ApiProblems([422, 'A limit out of 1–100 or a cursor this API did not issue (cursor)'])
  reportsOfCustomer(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
    @Query() query: PageQueryDto,
  ): Promise<CustomerReportPage> {
    return this.rpc.call(REPORTING.customerReports, caller, { ...query, customerId });
  }
}
