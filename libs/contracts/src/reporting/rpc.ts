import { deadLetterOperationsOf } from '../dead-letters';
import { NoData, answers, rpcOperationsOf, type ServiceHealth } from '../rpc';

/*
 * The reporting service's RPC contract. Its reports come with the report jobs (issue #15); until
 * then it answers its health and its dead letters like every service.
 */
const { query } = rpcOperationsOf('reporting');

export const REPORTING = {
  health: query('reporting.health', NoData, answers<ServiceHealth>()),
  deadLetters: deadLetterOperationsOf('reporting'),
};
