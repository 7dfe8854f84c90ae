import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { REPORTING, REPORTING_SYSTEM_USER_ID } from '@kanta/contracts';
import { RpcClient, readConfig, rpcQueueName } from '@kanta/platform';
import { readReportingConfig } from '../config';

/*
 * `npm run reporting:rebuild -- <tenantId> [<tenantId> …]`: asks the running reporting service
 * (`reporting.rebuild`, as a superadmin system caller) to rebuild each tenant's read model, one
 * after the other, with the same environment the services read (AMQP_URL, RPC_QUEUE_PREFIX).
 * Prints each tenant's counts; exits 1 on the first failure.
 */
async function main(tenantIds: string[]): Promise<void> {
  if (tenantIds.length === 0) throw new Error('usage: npm run reporting:rebuild -- <tenantId>…');
  const config = readConfig(readReportingConfig);
  const client = new RpcClient({
    service: 'reporting',
    amqpUrl: config.infrastructure.amqpUrl,
    queue: rpcQueueName('reporting', config.infrastructure),
    timeoutMs: 30 * 60_000,
  });
  try {
    for (const tenantId of tenantIds) {
      const result = await client.call(
        REPORTING.rebuild,
        {
          tenant: null,
          userId: REPORTING_SYSTEM_USER_ID,
          role: 'superadmin',
          stationIds: [],
          currentStationId: null,
          correlationId: randomUUID(),
        },
        { tenantId },
      );
      console.log(JSON.stringify(result));
    }
  } finally {
    await client.close();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`Rebuild failed: ${error.message}`);
  process.exit(1);
});
