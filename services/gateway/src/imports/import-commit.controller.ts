import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CUSTOMERS, CommitImportDto, ImportView } from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { IdempotencyKey } from '../http/idempotency-key';
import { UuidParam } from '../http/uuid-param';

/** `POST /imports/{id}/commit` (issue #16): the commit of a planned import, admins only. */
@ApiTags('imports')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Roles('admin')
@Controller('imports')
export class ImportCommitController {
  constructor(private readonly rpc: Rpc) {}

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
}
