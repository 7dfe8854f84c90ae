import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RPC_SERVICES } from '@kanta/contracts';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import { readConfig, readInfrastructureConfig, rpcQueueName } from '@kanta/platform';
import { LOCAL_SERVICES, REPO_ROOT, type LocalService } from './services';

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
  /**
   * The run's broker names are its own (a test's or a benchmark's prefixes): delete its durable
   * queues and exchanges when it stops, or they stay on the broker for good.
   */
  disposableBroker?: boolean;
}

export interface LocalSystem {
  gatewayUrl: string;
  ports: Record<string, number>;
  processes: Record<string, ChildProcess>;
  /**
   * Kills one service's process with `signal` (SIGKILL: no goodbye, as a crash), leaves it down
   * for `downMs`, starts it again as it was started (with `env` over its environment, for this
   * start and the next restarts), and resolves when its /health answers again.
   */
  restart(
    name: string,
    options?: {
      signal?: NodeJS.Signals;
      downMs?: number;
      startTimeoutMs?: number;
      env?: Record<string, string>;
    },
  ): Promise<void>;
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
    if (options.disposableBroker) await deleteRunBrokerNames({ ...process.env, ...options.env });
  };
  const started = LOCAL_SERVICES.filter(
    (s) => options.services === undefined || options.services.includes(s.name),
  );
  /** What a restart changed of a service's environment (`restart`'s `env`). */
  const ownEnv: Record<string, Record<string, string>> = {};
  const launch = (service: LocalService): void => {
    const child = spawn(process.execPath, [join(REPO_ROOT, service.main)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...portEnv, ...options.env, ...ownEnv[service.name] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    processes[service.name] = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => options.onLine?.(service.name, line));
    }
  };
  const restart = async (
    name: string,
    {
      signal = 'SIGKILL',
      downMs = 0,
      startTimeoutMs = options.startTimeoutMs ?? 30_000,
      env,
    }: {
      signal?: NodeJS.Signals;
      downMs?: number;
      startTimeoutMs?: number;
      env?: Record<string, string>;
    } = {},
  ): Promise<void> => {
    const service = started.find((s) => s.name === name);
    const child = processes[name];
    if (!service || !child) throw new Error(`${name} is not a service of this system`);
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    }
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    if (env) ownEnv[name] = { ...ownEnv[name], ...env };
    launch(service);
    await waitForHealth(name, ports[name], processes, Date.now() + startTimeoutMs);
  };
  try {
    for (const service of started) launch(service);
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    for (const service of started) {
      await waitForHealth(service.name, ports[service.name], processes, deadline);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { gatewayUrl: `http://127.0.0.1:${ports.gateway}`, ports, processes, restart, stop };
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

/**
 * Ports a system of its own picks from (`freePorts`): below the kernel's ephemeral range
 * (32768–60999 by default), which outgoing connections take theirs from. A port the kernel handed
 * out as free (`listen(0)`) is itself ephemeral: between its check and the service's own listen,
 * any of the hundreds of connections a test run opens to PostgreSQL and RabbitMQ could take it
 * (a service then failed to start with EADDRINUSE now and then).
 */
const OWN_PORTS = { from: 20_000, to: 32_000 };

/** A port in OWN_PORTS that nothing listens on now, on any address (tried as the services bind). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = OWN_PORTS.from + Math.floor(Math.random() * (OWN_PORTS.to - OWN_PORTS.from));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${OWN_PORTS.from} and ${OWN_PORTS.to}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** Deletes the durable queues and exchanges of a run whose broker names are its own. */
async function deleteRunBrokerNames(env: NodeJS.ProcessEnv): Promise<void> {
  const config = readConfig(readInfrastructureConfig, env);
  await deleteBrokerObjects(
    config.amqpUrl,
    systemBrokerNames({
      services: LOCAL_SERVICES.map((s) => s.name),
      eventsExchange: config.eventsExchange,
      eventsQueuePrefix: config.eventsQueuePrefix,
      rpcQueues: RPC_SERVICES.map((s) => rpcQueueName(s, config)),
    }),
  );
}
