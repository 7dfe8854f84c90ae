import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CustomerReportPage, PageQueryDto, REPORTING } from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { UuidParam } from '../http/uuid-param';

/**
 * The report audit, answered by the reporting service from its manifests and downloads: which
 * reports named a customer and who took them, for admins. Like the access log it is a read of the
 * audit itself, so it records no access entry: it shows ids and times, never the person's data.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Roles('admin')
@Controller()
export class CustomerReportsController {
  constructor(private readonly rpc: Rpc) {}

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
  ofCustomer(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
    @Query() query: PageQueryDto,
  ): Promise<CustomerReportPage> {
    return this.rpc.call(REPORTING.customerReports, caller, { ...query, customerId });
  }
}
