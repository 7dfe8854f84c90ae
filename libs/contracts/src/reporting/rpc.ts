import { deadLetterOperationsOf } from '../dead-letters';
import { NoData, answers, rpcOperationsOf, type ServiceHealth } from '../rpc';
import { RebuildReadModelCommand, type RebuildResult } from './rebuild';

/*
 * The reporting service's RPC contract. Its reports come with the report jobs (issue #15); until
 * then it answers its health and its dead letters like every service.
 */
const { query } = rpcOperationsOf('reporting');
const rebuildOperation = rpcOperationsOf('reporting').query;

export const REPORTING = {
  health: query('reporting.health', NoData, answers<ServiceHealth>()),
  deadLetters: deadLetterOperationsOf('reporting'),
  /**
   * Internal (no gateway route; `npm run reporting:rebuild`): pages one tenant's read model again
   * from the owners while events keep arriving (services/reporting/README.md, "Rebuild").
   */
  rebuild: rebuildOperation('reporting.rebuild', RebuildReadModelCommand, answers<RebuildResult>()),
};
