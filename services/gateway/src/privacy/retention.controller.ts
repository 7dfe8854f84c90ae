import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  PRIVACY,
  PageQueryDto,
  RetentionPreview,
  RetentionPreviewQueryDto,
  RetentionRunPage,
} from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';

/**
 * Retention (a tenant setting, `retentionYears`, off by default): customers with no visit, sale
 * or edit for that many years are erased by the privacy service's sweep. Admins see who would go
 * and what each run did; the privacy service decides, from the setting the gateway announced.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Controller('privacy/retention')
export class RetentionController {
  constructor(private readonly rpc: Rpc) {}

  @Get('preview')
  @Roles('admin')
  @ApiOperation({
    summary: 'Who retention would erase now: how many, and their ids and numbers (admin)',
    description:
      "With the tenant's retentionYears, or years=1..30 to try another value; customers not " +
      'erased and without an erasure under way whose last visit, sale or edit is older. ' +
      'Retention off and no years: nobody (years null). Pass nextCursor as cursor for the next page.',
  })
  @ApiOkResponse({ type: RetentionPreview })
  preview(
    @CurrentCaller() caller: Caller,
    @Query() query: RetentionPreviewQueryDto,
  ): Promise<RetentionPreview> {
    return this.rpc.call(PRIVACY.retentionPreview, caller, query);
  }

  @Get('runs')
  @Roles('admin')
  @ApiOperation({
    summary: "The retention sweep's runs, newest first: when, how many, which erasures (admin)",
  })
  @ApiOkResponse({ type: RetentionRunPage })
  runs(@CurrentCaller() caller: Caller, @Query() query: PageQueryDto): Promise<RetentionRunPage> {
    return this.rpc.call(PRIVACY.retentionRuns, caller, query);
  }
}
