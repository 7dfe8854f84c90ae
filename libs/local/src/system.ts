import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LOCAL_SERVICES, REPO_ROOT } from './services';

export interface LocalSystemOptions {
  /** Extra environment for every service (database, prefixes, secrets). */
  env?: Record<string, string>;
  /** Ports by service name; a missing one gets the service's default (or a free one if `freePorts`). */
  ports?: Record<string, number>;
  freePorts?: boolean;
  /** Only these services (by name), e.g. a second replica of the consuming ones; default all. */
  services?: string[];
  /** Receives each line a service prints. */
  onLine?: (service: string, line: string) => void;
  startTimeoutMs?: number;
}

export interface LocalSystem {
  gatewayUrl: string;
  ports: Record<string, number>;
  processes: Record<string, ChildProcess>;
  stop(): Promise<void>;
}

/**
 * Starts every service from dist/ as a child process and resolves when each one's /health
 * answers 200. The caller owns the infrastructure (Postgres, RabbitMQ, Redis) and the build.
 */
export async function startLocalSystem(options: LocalSystemOptions = {}): Promise<LocalSystem> {
  const ports: Record<string, number> = {};
  for (const service of LOCAL_SERVICES) {
    ports[service.name] =
      options.ports?.[service.name] ?? (options.freePorts ? await freePort() : service.defaultPort);
  }
  const portEnv = Object.fromEntries(
    LOCAL_SERVICES.map((s) => [s.portVariable, String(ports[s.name])]),
  );
  const processes: Record<string, ChildProcess> = {};
  const stop = async (): Promise<void> => {
    await Promise.all(Object.values(processes).reverse().map(stopProcess));
  };
  const started = LOCAL_SERVICES.filter(
    (s) => options.services === undefined || options.services.includes(s.name),
  );
  try {
    for (const service of started) {
      const child = spawn(process.execPath, [join(REPO_ROOT, service.main)], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...portEnv, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      processes[service.name] = child;
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) =>
          options.onLine?.(service.name, line),
        );
      }
    }
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    for (const service of started) {
      await waitForHealth(service.name, ports[service.name], processes, deadline);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { gatewayUrl: `http://127.0.0.1:${ports.gateway}`, ports, processes, stop };
}

/**
 * Waits for one service's /health; any service that exits meanwhile (one found healthy before
 * included: the gateway's health then waits for it in vain) fails the start at once, by name.
 */
async function waitForHealth(
  name: string,
  port: number,
  processes: Record<string, ChildProcess>,
  deadline: number,
): Promise<void> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    for (const [service, child] of Object.entries(processes)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${service} exited (${child.exitCode ?? child.signalCode}) before ${name} was healthy`,
        );
      }
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`, {
        signal: AbortSignal.timeout(5000),
      });
      if (response.status === 200) return;
      last = `health answered ${response.status}: ${(await response.text()).slice(0, 500)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not become healthy on port ${port} in time (${last})`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
