import { Controller } from '@nestjs/common';
import {
  REPORTING,
  type CallerContext,
  type RebuildReadModelCommand,
  type RebuildResult,
} from '@kanta/contracts';
import { Handles, RpcProblem } from '@kanta/platform';
import { ReadModelRebuild } from './read-model-rebuild';

/**
 * `reporting.rebuild` (internal, no gateway route; `npm run reporting:rebuild`): a superadmin
 * rebuilds any tenant, an admin their own; anyone else is a 403. A query: it writes only what
 * the owners already published, by the newest-wins rule, so running it again changes nothing.
 */
@Controller()
export class RebuildController {
  constructor(private readonly rebuilds: ReadModelRebuild) {}

  @Handles(REPORTING.rebuild)
  rebuild(caller: CallerContext, data: RebuildReadModelCommand): Promise<RebuildResult> {
    const allowed =
      caller.role === 'superadmin' ||
      (caller.role === 'admin' && caller.tenant?.id === data.tenantId);
    if (!allowed) {
      throw RpcProblem.forbidden(
        'Only a superadmin, or an admin of the tenant, rebuilds its read model.',
      );
    }
    return this.rebuilds.rebuild(data.tenantId, caller.correlationId);
  }
}
