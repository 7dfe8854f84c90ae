import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP pass-through that holds every connection it accepts until `release()`, then lets them
 * all through at once (and every later one at once): processes started together reach the
 * server behind it at the same instant, however long each took to load, so a race between
 * their first statements happens every time instead of now and then.
 */
export class StartingGate {
  private readonly held: Socket[] = [];
  private readonly sockets = new Set<Socket>();
  private released = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => {
      this.track(client);
      if (this.released) this.pass(client);
      else {
        client.pause();
        this.held.push(client);
      }
    });
  }

  /** A gate on a free port of 127.0.0.1 in front of `target`, holding connections. */
  static async listen(target: { host: string; port: number }): Promise<StartingGate> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new StartingGate(server, (server.address() as { port: number }).port, target);
  }

  /** Connections waiting at the gate (closed ones included until released). */
  get waiting(): number {
    return this.held.length;
  }

  release(): void {
    this.released = true;
    for (const client of this.held.splice(0)) this.pass(client);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pass(client: Socket): void {
    if (client.destroyed) return;
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    client.pipe(upstream).pipe(client);
    client.resume();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }
}
