import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP pass-through to the shared Redis that a test can close and open: "Redis is down" for the
 * one service under test, without stopping the Redis everybody else is using.
 */
export class RedisGate {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(readonly port: number) {}

  /** A gate on a free port, closed until `open()`. */
  static async closedOnFreePort(): Promise<RedisGate> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new RedisGate(port);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async open(target = { host: '127.0.0.1', port: 6379 }): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
