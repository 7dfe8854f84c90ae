import 'reflect-metadata';
import { readGatewayConfig } from './config';
import { startGateway } from './bootstrap';

async function main(): Promise<void> {
  const config = readGatewayConfig();
  const gateway = await startGateway(config);
  // SIGTERM/SIGINT close the HTTP server, then the broker, Redis and database connections.
  gateway.app.enableShutdownHooks();
  console.log(`Kanta gateway listening on ${gateway.url} (docs: ${gateway.url}/api/docs)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
